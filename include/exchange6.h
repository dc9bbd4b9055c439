/* exchange6.h - the DHCPv6 side of exchange.h: a client message relayed
 * as first relay is classified and the boot rules matching the client are
 * remembered under (peer-address, transaction-id); the Advertise or Reply
 * inside the server's Relay-reply then gets the first of them whose reply
 * condition holds, and that rule's bootfile-url becomes its option 59
 * (added when the server sent none), bootfile-param its option 60, and an
 * HTTP boot client gets the vendor class "HTTPClient" the UEFI
 * specification asks of the server. A Reply ends the exchange.
 *
 * On a tftp-proxy link (when the proxy runs) option 59, the server's or
 * the rule's, is then pointed at the relay: tftp://HOST/PATH with HOST a
 * literal address other than the link's own becomes tftp://[ours]/PATH,
 * and the addresses a Reply leases to the client boot from HOST through
 * the proxy. A name, another scheme or a port other than 69 is left as
 * it is: the client then fetches from the server itself.
 *
 * Pure, like exchange.h: the same struct exchange (its own instance),
 * time passed in, no I/O, no logging. */
#ifndef PXR_EXCHANGE6_H
#define PXR_EXCHANGE6_H

#include "exchange.h"
#include "relay6.h"

#define EXCHANGE6_PROXY_CLIENTS 4

struct exchange6_reply {
	bool known;                   /* its request was remembered */
	int arch_wire;
	bool ipxe;
	const struct cfg_boot *rule;  /* the rule applied, NULL: none */
	bool pass;
	bool rewritten;
	bool added_http_vendor_class;
	char old_url[256], new_url[256];
	/* tftp-proxy: option 59 names us now; the client's leased addresses
	 * (a Reply's IA_NA) boot from tftp_server (IPv4 as ::ffff:a.b.c.d). */
	bool proxied;
	uint8_t tftp_server[16];
	uint8_t tftp_clients[EXCHANGE6_PROXY_CLIENTS][16];
	size_t ntftp_clients;
};

/* A client message (not a Relay-forward) about to be relayed, received
 * from peer on link ifname, the frame from mac (NULL: unknown). */
void exchange6_request(struct exchange *x, const struct dhcp6_msg *m, const uint8_t peer[16],
		       const char *ifname, const uint8_t *mac, int64_t now_ms,
		       struct exchange_request *out);

/* A message from src upstream: relay6_reply() decides the delivery, then
 * an Advertise or Reply for a client whose rule applies is rewritten into
 * buf (DHCP6_MAX_LEN bytes) and dv->buf/len point there. */
enum drop_reason exchange6_reply(struct exchange *x, const struct relay6_ctx *ctx,
				 const uint8_t src[16], int ifindex, const uint8_t *in, size_t len,
				 int64_t now_ms, uint8_t *buf, struct relay6_delivery *dv,
				 struct exchange6_reply *out);

/* The rewrite alone: m (an Advertise or Reply) with option 59 set to
 * url (NULL or "": left), option 60 to param (same), and option 16
 * "HTTPClient" (enterprise 343) added when http and the server sent no
 * vendor class. The options keep the server's order, a replaced one in
 * its place, an added one at the end. Length, or -EMSGSIZE. */
int rewrite6_boot(const struct dhcp6_msg *m, const char *url, const char *param, bool http,
		  uint8_t *out, size_t cap, bool *added_http);

/* url pointed at ours: 0 and out ("tftp://[ours]/PATH") and server
 * (the URL's host, IPv4 as ::ffff:a.b.c.d), or -1 when url is not
 * tftp://LITERAL[:69]/PATH with an IPv4 or a global/ULA IPv6 literal, or
 * already names ours. */
int exchange6_proxy_url(const char *url, const uint8_t ours[16], char *out, size_t cap,
			uint8_t server[16]);

#endif
