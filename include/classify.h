/* classify.h - which firmware sent a request (RFC 4578, IANA Processor
 * Architecture Types) and which boot rule it falls under. Pure. */
#ifndef PXR_CLASSIFY_H
#define PXR_CLASSIFY_H

#include "config.h"
#include "dhcp6_msg.h"
#include "dhcp_msg.h"

#include <stdbool.h>
#include <stdint.h>

#define ARCH_UNKNOWN (-1)

enum arch_source {
	ARCH_FROM_NONE,
	ARCH_FROM_OPT93,      /* client system architecture option */
	ARCH_FROM_OPT60,      /* PXEClient:Arch:NNNNN / HTTPClient:Arch:NNNNN */
	ARCH_FROM_OPT61,      /* DHCPv6 client architecture type */
	ARCH_FROM_OPT16,      /* DHCPv6 vendor class PXEClient:Arch:NNNNN */
};

struct client_class {
	int arch;                     /* normalised code (9 -> 7), ARCH_UNKNOWN */
	int arch_wire;                /* as sent */
	enum arch_source arch_from;
	bool opt93_malformed;         /* present but odd or empty: fell back to 60 */
	bool pxe;                     /* option 60 starts with PXEClient */
	bool http;                    /* HTTPClient, or an HTTP-boot arch */
	bool ipxe;                    /* user class "iPXE" or option 175 present */
	char vendor_class[128];       /* option 60 as text ("" if absent) */
	char user_class[128];         /* option 77 as text */
	bool has_uuid;
	uint8_t uuid[17];             /* option 97: type 0 + 16-byte GUID */
	uint8_t mac[6];
	char ifname[IFNAMSIZ];
	uint16_t max_msg_size;        /* option 57, 0 if absent or < 576 */
};

/* Name of an option 93 code ("x64 UEFI", "ARM 64-bit UEFI", ...). */
const char *arch_name(int code);
/* 9 is EBC in the registry, but x64 firmware in the field sends it for
 * x64 UEFI: both count as 7. */
int arch_normalise(int code);
/* True for the UEFI HTTP boot codes (15, 16, 18, 19, 20, 23, 24, ...). */
bool arch_is_http(int code);

/* Classify a BOOTREQUEST received on ifname. */
void classify_request(const struct dhcp_msg *m, const char *ifname, struct client_class *c);
/* Classify a DHCPv6 client message received on ifname from mac (NULL:
 * the DUID's, if any): option 61 for the architecture (RFC 5970 §3.3, the
 * same codes as option 93), else "Arch:NNNNN" in option 16; option 16's
 * first data item as the vendor class, option 15's as the user class. */
void classify6_request(const struct dhcp6_msg *m, const char *ifname, const uint8_t *mac,
		       struct client_class *c);
/* The rule's conditions on a DHCPv6 Advertise/Reply from src:
 * offered-filename is matched against its option 59 ("" when absent),
 * from-server against the rule's IPv6 servers; offered-next-server (IPv4)
 * never holds. */
bool classify6_reply_matches(const struct cfg_boot *b, const struct dhcp6_msg *m,
			     const uint8_t src[16]);
/* One short label for logs: "x64 UEFI", "x86 BIOS (iPXE)", "unknown". */
const char *class_label(const struct client_class *c, char *buf, size_t len);

/* The first boot rule matching, or NULL (file order, first match wins;
 * a rule with no match keys matches everyone). */
const struct cfg_boot *classify_match(const struct config *cfg, const struct client_class *c);
/* The rule's keys on the client (arch, vendor-class, user-class,
 * interface, mac). */
bool classify_rule_matches(const struct cfg_boot *b, const struct client_class *c);
/* The rule's conditions on the server's reply m, from src: offered-filename
 * (option 67, else file), offered-next-server (option 66 or siaddr),
 * from-server. True when the rule has none. */
bool classify_reply_matches(const struct cfg_boot *b, const struct dhcp_msg *m, uint32_t src);
bool boot_rule_has_reply_conditions(const struct cfg_boot *b);
/* A rule with no settings (filename, next-server, server-name,
 * set-option, remove-option): when it is the first to match, nothing is
 * rewritten. */
bool boot_rule_is_pass(const struct cfg_boot *b);
/* A ProxyDHCP (or WDS) offer: an OFFER of no address (yiaddr 0.0.0.0)
 * with option 60 "PXEClient". PXE clients take their boot file from the
 * proxy's port-4011 answer, which never passes the relay. */
bool dhcp_is_proxy_offer(const struct dhcp_msg *m);

#endif
