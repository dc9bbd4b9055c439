/* opt82.c - relay agent information option. See opt82.h. */
#include "opt82.h"
#include "cursor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int opt82_find(const uint8_t *val, size_t len, uint8_t code,
	       const uint8_t **sub, size_t *sublen)
{
	struct cursor c = cursor_make(val, len);
	int found = -ENOENT;
	uint8_t scode, slen;
	const uint8_t *v;

	/* RFC 3046 §2.0: sub-options are code, length, value; there is no
	 * PAD or END inside option 82. */
	while (c.left > 0) {
		if (!cursor_u8(&c, &scode) || !cursor_u8(&c, &slen) ||
		    !cursor_view(&c, slen, &v))
			return -EBADMSG;
		if (scode == code && found == -ENOENT) {
			*sub = v;
			*sublen = slen;
			found = 0;
		}
	}
	return found;
}

int opt82_validate(const uint8_t *val, size_t len)
{
	const uint8_t *sub;
	size_t sublen;
	int r = opt82_find(val, len, 0, &sub, &sublen);

	return r == -EBADMSG ? r : 0;
}

static int put_sub(uint8_t *out, size_t *len, size_t cap, uint8_t code,
		   const void *val, size_t vlen)
{
	if (vlen > 255 || cap - *len < vlen + 2)
		return -EMSGSIZE;
	out[(*len)++] = code;
	out[(*len)++] = (uint8_t)vlen;
	memcpy(out + *len, val, vlen);
	*len += vlen;
	return 0;
}

int opt82_build(const struct opt82_fields *f, uint8_t *out, size_t *len, size_t cap)
{
	size_t n = *len;

	if (n > cap)
		return -EMSGSIZE;
	if (f->circuit_id_len &&
	    put_sub(out, &n, cap, OPT82_CIRCUIT_ID, f->circuit_id, f->circuit_id_len) < 0)
		return -EMSGSIZE;
	if (f->remote_id_len &&
	    put_sub(out, &n, cap, OPT82_REMOTE_ID, f->remote_id, f->remote_id_len) < 0)
		return -EMSGSIZE;
	if (f->link_selection &&
	    put_sub(out, &n, cap, OPT82_LINK_SELECTION, &f->link_selection, 4) < 0)
		return -EMSGSIZE;
	if (f->with_flags && put_sub(out, &n, cap, OPT82_FLAGS, &f->flags, 1) < 0)
		return -EMSGSIZE;
	if (f->server_id_override &&
	    put_sub(out, &n, cap, OPT82_SERVER_ID_OVERRIDE, &f->server_id_override, 4) < 0)
		return -EMSGSIZE;
	*len = n;
	return 0;
}

int opt82_vlan_from_name(const char *ifname)
{
	size_t n = strlen(ifname), i = n;
	long v = 0;

	while (i > 0 && ifname[i - 1] >= '0' && ifname[i - 1] <= '9')
		i--;
	if (i == n || n - i > 4)
		return -1;
	for (; i < n; i++)
		v = v * 10 + (ifname[i] - '0');
	return v >= 1 && v <= 4094 ? (int)v : -1;
}

int opt82_expand(const char *fmt, const char *ifname, int ifindex,
		 const char *hostname, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = fmt; *p; p++) {
		char num[16];
		const char *piece = NULL;
		size_t plen;

		if (*p == '%' && p[1]) {
			p++;
			switch (*p) {
			case 'i':
				piece = ifname;
				break;
			case 'v': {
				int vlan = opt82_vlan_from_name(ifname);

				if (vlan < 0)
					return -EINVAL;
				snprintf(num, sizeof(num), "%d", vlan);
				piece = num;
				break;
			}
			case 'n':
				snprintf(num, sizeof(num), "%d", ifindex);
				piece = num;
				break;
			case 'h':
				piece = hostname;
				break;
			case '%':
				piece = "%";
				break;
			default:
				return -EINVAL;
			}
		} else {
			num[0] = *p;
			num[1] = '\0';
			piece = num;
		}
		plen = strlen(piece);
		if (cap - n <= plen)
			return -EMSGSIZE;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	if (n >= cap)
		return -EMSGSIZE;
	out[n] = '\0';
	return (int)n;
}
