/* dhcp6_msg.h - DHCPv6 messages (RFC 8415): the client/server and the
 * relay formats, options read in place and written through a bounded
 * buffer. Pure: bytes in, views and bytes out.
 *
 * A parsed message is a view into the caller's bytes: the header fields,
 * and the options region, whose every option was checked to lie inside
 * it (RFC 8415 §21.1: code, length, then exactly length bytes). Nested
 * messages (a Relay Message option) are parsed by calling dhcp6_parse()
 * again on that option's value. */
#ifndef PXR_DHCP6_MSG_H
#define PXR_DHCP6_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP6_MAX_LEN 8192            /* largest message accepted or built */
#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
/* RFC 8415 §7.6: HOP_COUNT_LIMIT 8. */
#define DHCP6_HOP_COUNT_LIMIT 8
#define DHCP6_RELAY_HDR 34            /* type, hop-count, link, peer */
#define DHCP6_CLIENT_HDR 4            /* type, transaction-id */
#define DHCP6_ENTERPRISE_UEFI 343     /* the UEFI Forum's enterprise number */

/* RFC 8415 §7.3 message types. */
enum dhcp6_type {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5,
	DHCP6_REBIND = 6,
	DHCP6_REPLY = 7,
	DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9,
	DHCP6_RECONFIGURE = 10,
	DHCP6_INFORMATION_REQUEST = 11,
	DHCP6_RELAY_FORW = 12,
	DHCP6_RELAY_REPL = 13,
};

/* Option codes used here (RFC 8415 §21, RFC 4649, RFC 5970, RFC 6939). */
enum dhcp6_opt {
	D6O_CLIENTID = 1,
	D6O_SERVERID = 2,
	D6O_ORO = 6,
	D6O_RELAY_MSG = 9,
	D6O_USER_CLASS = 15,
	D6O_VENDOR_CLASS = 16,
	D6O_INTERFACE_ID = 18,
	D6O_REMOTE_ID = 37,
	D6O_BOOTFILE_URL = 59,
	D6O_BOOTFILE_PARAM = 60,
	D6O_CLIENT_ARCH_TYPE = 61,
	D6O_NII = 62,
	D6O_CLIENT_LINKLAYER_ADDR = 79,
};

struct dhcp6_msg {
	uint8_t type;
	uint32_t xid;                 /* client/server messages: 24 bits */
	uint8_t hop_count;            /* relay messages */
	uint8_t link_addr[16];        /* relay messages */
	uint8_t peer_addr[16];        /* relay messages */
	const uint8_t *opts;          /* the options region, checked */
	size_t opts_len;
	const uint8_t *raw;           /* the whole message */
	size_t len;
};

bool dhcp6_is_relay_type(uint8_t type);
const char *dhcp6_type_name(uint8_t type);

/* 0, -EBADMSG (short header, an option past the end, zero type) or
 * -EMSGSIZE (over DHCP6_MAX_LEN). */
int dhcp6_parse(struct dhcp6_msg *m, const uint8_t *p, size_t len);

/* One option after another: *pos starts at 0; false at the end. The
 * region was checked by dhcp6_parse(). */
bool dhcp6_opt_next(const struct dhcp6_msg *m, size_t *pos, uint16_t *code,
		    const uint8_t **val, uint16_t *len);
/* The first option code, NULL when absent. */
const uint8_t *dhcp6_opt_get(const struct dhcp6_msg *m, uint16_t code, uint16_t *len);

/* A bounded writer: a write past cap sets overflow and writes nothing
 * (dhcp6_put_opt writes the whole option or nothing); once overflowed the
 * buffer is to be thrown away. */
struct dhcp6_buf {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};
void dhcp6_buf_init(struct dhcp6_buf *b, uint8_t *p, size_t cap);
void dhcp6_put(struct dhcp6_buf *b, const void *v, size_t len);
void dhcp6_put_opt(struct dhcp6_buf *b, uint16_t code, const void *v, size_t len);
/* An option header whose length is filled in by dhcp6_opt_end(). */
size_t dhcp6_opt_begin(struct dhcp6_buf *b, uint16_t code);
void dhcp6_opt_end(struct dhcp6_buf *b, size_t at);
void dhcp6_put_relay_header(struct dhcp6_buf *b, uint8_t type, uint8_t hop_count,
			    const uint8_t link[16], const uint8_t peer[16]);

/* The first data item of an option 16 (vendor class: enterprise number,
 * then 16-bit-length items) or 15 (user class: items) as text, printable
 * ASCII only, "" when absent or malformed. For option 16, *enterprise
 * gets the number (NULL: not wanted). */
void dhcp6_class_text(const struct dhcp6_msg *m, uint16_t code, uint32_t *enterprise,
		      char *out, size_t cap);
/* The client's link-layer address: option 79 when a relay below added it,
 * else the one in a DUID-LL or DUID-LLT client identifier. 6 bytes only
 * (Ethernet); false when there is none. */
bool dhcp6_client_mac(const struct dhcp6_msg *m, uint8_t mac[6]);

#endif
