/* dhcp_msg.h - BOOTP/DHCP message codec (RFC 951, 2131, 2132, 3396).
 *
 * Pure: bytes in, struct out, and back. No I/O, no globals, no logging.
 * Options are kept in wire order, one entry per option code; several
 * instances of one code are concatenated on parse (RFC 3396) and split
 * again by the builder when a value is longer than 255 bytes. A value the
 * sender continued from the options field into file or sname (option 52)
 * keeps that layout until it is edited: the builder writes each part back
 * where it came from, so a message relayed unchanged does not grow.
 */
#ifndef PXR_DHCP_MSG_H
#define PXR_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_HDR_LEN      236   /* fixed BOOTP header, up to (not incl.) the cookie */
#define DHCP_COOKIE_LEN   4
#define DHCP_MIN_LEN      DHCP_HDR_LEN
#define DHCP_MAX_LEN      8192  /* largest message accepted or built */
#define DHCP_DEFAULT_MAX  576   /* RFC 2131 §2: every client accepts this much */
#define DHCP_SNAME_LEN    64
#define DHCP_FILE_LEN     128
#define DHCP_CHADDR_LEN   16

#define BOOTREQUEST 1
#define BOOTREPLY   2

#define DHCP_FLAG_BROADCAST 0x8000
#define HTYPE_ETHERNET   1
#define HTYPE_INFINIBAND 32    /* RFC 4390: hlen 0, chaddr zero, broadcast replies */

/* Option codes used by the relay. */
enum {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_HOST_NAME = 12,
	DHO_REQUESTED_ADDRESS = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MESSAGE_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_REQUEST_LIST = 55,
	DHO_MAX_MESSAGE_SIZE = 57,
	DHO_VENDOR_CLASS = 60,
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_USER_CLASS = 77,
	DHO_AGENT_INFO = 82,
	DHO_CLIENT_ARCH = 93,
	DHO_CLIENT_NDI = 94,
	DHO_CLIENT_UUID = 97,
	DHO_IPXE_ENCAP = 175,
	DHO_END = 255,
};

enum dhcp_msg_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE,
	DHCPACK, DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

/* Where an option sat on the wire: the options field, or a header field
 * borrowed through option 52 (RFC 2131 §4.1). */
enum dhcp_area {
	DHCP_AREA_OPTIONS = 0,
	DHCP_AREA_FILE = 1,
	DHCP_AREA_SNAME = 2,
};

struct dhcp_option {
	uint8_t code;
	uint8_t area;       /* enum dhcp_area: where the value goes (its first part) */
	uint16_t len;       /* value length, may exceed 255 (RFC 3396) */
	uint16_t off;       /* value offset in dhcp_msg.data */
	uint16_t part[3];   /* bytes of the value in each area, in order */
};

/* Read from more than one area (RFC 3396): written back the same way. */
static inline bool dhcp_opt_split(const struct dhcp_option *o)
{
	return (o->part[0] != 0) + (o->part[1] != 0) + (o->part[2] != 0) > 1;
}

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                 /* host order */
	uint16_t secs, flags;         /* host order */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;   /* network order */
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t sname[DHCP_SNAME_LEN];
	uint8_t file[DHCP_FILE_LEN];

	bool has_cookie;      /* false: plain BOOTP, vend area kept in data as-is */
	uint8_t overload_read; /* fields read as options (bit 0 file, 1 sname) */
	uint16_t wire_len;    /* length parsed; the builder pads up to it */

	uint16_t nopts;
	struct dhcp_option opts[255];
	int16_t index[256];   /* code -> position in opts, -1 if absent */

	uint16_t data_len;
	uint8_t data[DHCP_MAX_LEN];
};

/* Parse len bytes. Returns 0 or a negative errno:
 *  -EBADMSG  truncated header, option running past its field, bad overload
 *  -EMSGSIZE longer than DHCP_MAX_LEN */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len);

/* Build into out (outsz bytes). max_len caps the message (the client's
 * limit). Option 52 keeps the sender's value while the areas holding
 * options are among those it names (RFC 3046 2.1: a relay does not modify
 * it), else it is recomputed from the areas in use; option 82 goes last in
 * the options field, then END, then zero padding up to the parsed length
 * (never beyond max_len). Returns the length or -EMSGSIZE. */
int dhcp_msg_build(const struct dhcp_msg *m, size_t max_len, uint8_t *out, size_t outsz);

/* Option access. get returns NULL unless the option is present and its
 * length lies in [minlen, maxlen]. */
const uint8_t *dhcp_opt_get(const struct dhcp_msg *m, uint8_t code,
			    size_t minlen, size_t maxlen, size_t *len);
bool dhcp_opt_has(const struct dhcp_msg *m, uint8_t code);
/* Set (replace in place, or append at the end of the options field). */
int dhcp_opt_set(struct dhcp_msg *m, uint8_t code, const void *val, size_t len);
void dhcp_opt_del(struct dhcp_msg *m, uint8_t code);
/* Put the whole value of the option at position i in area (no longer
 * split): edits that take a header field back move options this way. */
void dhcp_opt_move(struct dhcp_msg *m, int i, enum dhcp_area area);

/* Message type from option 53, 0 if absent or malformed. */
int dhcp_msg_type(const struct dhcp_msg *m);
/* The boot file the message names, as text into out[cap]: option 67, else
 * the file field when it holds no options (option 52). */
void dhcp_boot_file(const struct dhcp_msg *m, char *out, size_t cap);
const char *dhcp_msg_type_name(int type);
void dhcp_msg_init(struct dhcp_msg *m);

#endif
