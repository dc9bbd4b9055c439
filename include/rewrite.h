/* rewrite.h - apply a boot rule to a server's OFFER or ACK. Pure.
 *
 * Firmware reads different fields: EDK2 (OVMF and most UEFI) takes the
 * TFTP server from siaddr and ignores option 66; iPXE uses siaddr and
 * option 67 or file; old BIOS PXE ROMs use siaddr and file. So each
 * setting is written to the header field AND the option, never one
 * without the other. */
#ifndef PXR_REWRITE_H
#define PXR_REWRITE_H

#include "config.h"
#include "dhcp_msg.h"

#include <stdbool.h>
#include <stdint.h>

struct rewrite_result {
	bool changed;
	uint32_t old_siaddr, new_siaddr;          /* network order */
	char old_file[256], new_file[256];
	bool added_http_vendor_class;
	bool moved_overload;                      /* options left file/sname */
	unsigned options_edited;                  /* remove-option/set-option edits made */
};

/* Edits m per rule: remove-option, set-option, then next-server (siaddr,
 * option 66), filename (file, option 67) and server-name. http_class: the request came from UEFI HTTP boot, so
 * a URL filename also puts option 60 "HTTPClient" in the reply (the
 * firmware ignores an offer without it). Only OFFER, ACK and BOOTP
 * replies are touched; anything else returns 0 with changed = false. */
int rewrite_reply(struct dhcp_msg *m, const struct cfg_boot *rule, bool http_class,
		  struct rewrite_result *res);

/* TFTP proxy (pxerelay.conf(5), TFTP PROXY): point the client at relay_addr (our address on
 * its link) in siaddr and option 66, and return the boot server it would
 * have used (siaddr, else option 66 when it is a dotted address; 0 when
 * there is none, and then nothing is changed). OFFER, ACK and BOOTP only. */
uint32_t rewrite_tftp_proxy(struct dhcp_msg *m, uint32_t relay_addr);

#endif
