/* opt82.h - relay agent information option (RFC 3046) and the
 * sub-options pxerelay speaks: link-selection (RFC 3527), relay agent
 * flags (RFC 5010), server identifier override (RFC 5107). Pure. */
#ifndef PXR_OPT82_H
#define PXR_OPT82_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	OPT82_CIRCUIT_ID = 1,
	OPT82_REMOTE_ID = 2,
	OPT82_LINK_SELECTION = 5,     /* RFC 3527 */
	OPT82_FLAGS = 10,             /* RFC 5010 */
	OPT82_SERVER_ID_OVERRIDE = 11,/* RFC 5107 */
};

#define OPT82_FLAG_UNICAST 0x80       /* RFC 5010 §3: the U bit, most significant */

struct opt82_fields {
	const uint8_t *circuit_id;
	size_t circuit_id_len;
	const uint8_t *remote_id;
	size_t remote_id_len;
	uint32_t link_selection;      /* network order, 0: leave out */
	uint32_t server_id_override;  /* network order, 0: leave out */
	bool with_flags;
	uint8_t flags;
};

/* Walk the sub-options of an option 82 value. Returns 0 when the value is
 * a well-formed sub-option list (zero-length sub-options included),
 * -EBADMSG when a sub-option runs past the end. */
int opt82_validate(const uint8_t *val, size_t len);

/* Find sub-option code. Returns 0 and sets *sub and *sublen, -ENOENT, or
 * -EBADMSG on a malformed list. */
int opt82_find(const uint8_t *val, size_t len, uint8_t code,
	       const uint8_t **sub, size_t *sublen);

/* Append the sub-options of f to out[*len..cap). Returns 0 or -EMSGSIZE
 * (*len unchanged on error; bytes past it are scratch). */
int opt82_build(const struct opt82_fields *f, uint8_t *out, size_t *len, size_t cap);

/* Expand a circuit-id/remote-id template: %i interface name, %v VLAN id
 * (the trailing digits of the name), %n ifindex, %h hostname, %% a '%'.
 * Other characters, and a lone '%' at the end, are literal. Returns the
 * length, -EINVAL for an unknown escape or %v on a name without a VLAN
 * id, -EMSGSIZE when it does not fit cap. */
int opt82_expand(const char *fmt, const char *ifname, int ifindex,
		 const char *hostname, char *out, size_t cap);

/* VLAN id from an interface name: its trailing digits, at most four
 * ("vlan10", "eth0.20", "br-vlan300"). -1 when they are not 1..4094. */
int opt82_vlan_from_name(const char *ifname);

#endif
