/* fuzz_opt82.c - relay agent information option: walk, build, expand.
 *
 * The first byte picks the mode (% 3); the rest is its input.
 *
 * 0  sub-option list: opt82_validate and opt82_find on the bytes (every
 *    code present, and 0 1 2 5 10 11 255 present or not). find agrees
 *    with validate, returns a view inside the input, and the first
 *    sub-option of that code, checked by a walk of our own.
 * 1  build: fields sliced from the bytes, appended into a fixed buffer at
 *    a chosen offset with a chosen cap. Nothing is written at or past cap,
 *    the prefix is untouched, a failure leaves *len alone, and a success
 *    yields a list that validates and returns each field through find.
 *      [0] circuit-id length   [1] remote-id length
 *      [2] bit 0 link-selection, bit 1 server-id-override, bit 2 flags,
 *          bit 7 circuit-id length += 256 (too long for a sub-option)
 *      [3] flags   [4] offset (*len on entry)   [5..6] cap, big endian
 *      [7..10] link-selection   [11..14] server-id-override
 *      [15..]  circuit-id bytes, then remote-id bytes (as far as they go)
 * 2  expand: [0..1] cap (big endian, at most 300), [2..5] ifindex (big
 *    endian, signed), then three NUL-separated strings: format, interface
 *    name, hostname. The result is compared with a plain reading of the
 *    documented escapes (%i %v %n %h %%). opt82_vlan_from_name on the
 *    name is compared the same way.
 */
#include "opt82.h"
#include "fuzz_util.h"

#include <errno.h>

/* ---- mode 0 ---- */

FUZZ_NO_COV static void check_find(const uint8_t *p, size_t len, uint8_t code, int v,
		       const uint8_t *want, size_t want_len)
{
	const uint8_t *sub = NULL;
	size_t sublen = 0;
	int r = opt82_find(p, len, code, &sub, &sublen);

	if (v < 0) {
		FUZZ_CHECK(r == -EBADMSG);
		return;
	}
	if (!want) {
		FUZZ_CHECK(r == -ENOENT);
		return;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(sub == want && sublen == want_len);
	FUZZ_CHECK(sub >= p && sub + sublen <= p + len);
}

static void fuzz_list(const uint8_t *p, size_t len)
{
	static const uint8_t *first[256];
	static size_t first_len[256];
	static const uint8_t probe[] = { 0, OPT82_CIRCUIT_ID, OPT82_REMOTE_ID,
		OPT82_LINK_SELECTION, OPT82_FLAGS, OPT82_SERVER_ID_OVERRIDE, 255 };
	int v = opt82_validate(p, len);
	size_t pos = 0;

	FUZZ_CHECK(v == 0 || v == -EBADMSG);
	memset(first, 0, sizeof(first));
	/* Our own walk: where each code first occurs, and whether the list
	 * is well formed (every sub-option inside the value). */
	while (pos + 2 <= len && pos + 2 + (size_t)p[pos + 1] <= len) {
		if (!first[p[pos]]) {
			first[p[pos]] = p + pos + 2;
			first_len[p[pos]] = p[pos + 1];
		}
		pos += 2 + (size_t)p[pos + 1];
	}
	FUZZ_CHECK((v == 0) == (pos == len));

	/* Every code present, and the usual ones whether present or not. */
	for (unsigned c = 0; c < 256; c++)
		if (first[c])
			check_find(p, len, (uint8_t)c, v, first[c], first_len[c]);
	for (size_t i = 0; i < sizeof(probe); i++)
		check_find(p, len, probe[i], v, first[probe[i]], first_len[probe[i]]);
	if (v < 0 && len > 0)
		check_find(p, len, p[0], v, NULL, 0);
}

/* ---- mode 1 ---- */

static void fuzz_build(const uint8_t *p, size_t len)
{
	static uint8_t buf[1024 + 64];
	static uint8_t field_bytes[512 + 256];
	struct opt82_fields f = { 0 };
	const uint8_t *rest = p + 15;
	size_t rest_len, start, n, cap, want_cid, want_rid;
	int r;

	if (len < 15)
		return;
	rest_len = len - 15;
	want_cid = p[0] + (p[2] & 0x80 ? 256u : 0u);
	want_rid = p[1];
	start = p[4];
	cap = (size_t)(p[5] << 8 | p[6]);
	if (cap > 1024)
		cap = 1024;

	/* Field bytes from the input, zero-filled past its end. */
	memset(field_bytes, 0, sizeof(field_bytes));
	memcpy(field_bytes, rest, rest_len < sizeof(field_bytes) ? rest_len : sizeof(field_bytes));
	f.circuit_id = field_bytes;
	f.circuit_id_len = want_cid;
	f.remote_id = field_bytes + want_cid;
	f.remote_id_len = want_rid;
	if (p[2] & 1)
		memcpy(&f.link_selection, p + 7, 4);
	if (p[2] & 2)
		memcpy(&f.server_id_override, p + 11, 4);
	f.with_flags = p[2] & 4;
	f.flags = p[3];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0x5a ^ i);
	n = start;
	r = opt82_build(&f, buf, &n, cap);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (i < start || i >= cap)
			FUZZ_CHECK(buf[i] == (uint8_t)(0x5a ^ i));
	if (r < 0) {
		FUZZ_CHECK(r == -EMSGSIZE);
		FUZZ_CHECK(n == start);
		return;
	}
	FUZZ_CHECK(n >= start && n <= cap);
	FUZZ_CHECK(want_cid <= 255 && want_rid <= 255);
	{
		const uint8_t *built = buf + start, *sub;
		size_t blen = n - start, sublen;

		FUZZ_CHECK(opt82_validate(built, blen) == 0);
		if (want_cid) {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_CIRCUIT_ID, &sub, &sublen) == 0);
			FUZZ_CHECK(sublen == want_cid && memcmp(sub, f.circuit_id, sublen) == 0);
		} else {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_CIRCUIT_ID, &sub, &sublen) == -ENOENT);
		}
		if (want_rid) {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_REMOTE_ID, &sub, &sublen) == 0);
			FUZZ_CHECK(sublen == want_rid && memcmp(sub, f.remote_id, sublen) == 0);
		}
		if (f.link_selection) {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_LINK_SELECTION, &sub, &sublen) == 0);
			FUZZ_CHECK(sublen == 4 && memcmp(sub, &f.link_selection, 4) == 0);
		} else {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_LINK_SELECTION, &sub, &sublen) == -ENOENT);
		}
		if (f.server_id_override) {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_SERVER_ID_OVERRIDE, &sub, &sublen) == 0);
			FUZZ_CHECK(sublen == 4 && memcmp(sub, &f.server_id_override, 4) == 0);
		}
		if (f.with_flags) {
			FUZZ_CHECK(opt82_find(built, blen, OPT82_FLAGS, &sub, &sublen) == 0);
			FUZZ_CHECK(sublen == 1 && *sub == f.flags);
		}
	}
}

/* ---- mode 2 ---- */

/* VLAN id as opt82.h documents it: the trailing digits, 1..4094. A run
 * of more than four digits ("eth00010") is no VLAN id either: 4094 has
 * four. */
FUZZ_NO_COV static int ref_vlan(const char *name)
{
	size_t n = strlen(name), digits = 0;
	int v = 0;

	while (digits < n && name[n - 1 - digits] >= '0' && name[n - 1 - digits] <= '9')
		digits++;
	if (digits == 0 || digits > 4)
		return -1;
	for (size_t i = n - digits; i < n; i++)
		v = v * 10 + (name[i] - '0');
	return v >= 1 && v <= 4094 ? v : -1;
}

/* Expansion into a large buffer; -EINVAL for an unknown escape or %v on a
 * name without a VLAN id. Returns the full length. */
FUZZ_NO_COV static long ref_expand(const char *fmt, const char *ifname, int ifindex,
		       const char *hostname, char *out, size_t outsz)
{
	size_t n = 0;

	for (const char *p = fmt; *p; p++) {
		char num[16];
		const char *piece = num;
		size_t plen;

		if (p[0] == '%' && p[1] != '\0') {
			p++;
			if (*p == 'i') {
				piece = ifname;
			} else if (*p == 'h') {
				piece = hostname;
			} else if (*p == 'n') {
				snprintf(num, sizeof(num), "%d", ifindex);
			} else if (*p == 'v') {
				int vlan = ref_vlan(ifname);

				if (vlan < 0)
					return -EINVAL;
				snprintf(num, sizeof(num), "%d", vlan);
			} else if (*p == '%') {
				piece = "%";
			} else {
				return -EINVAL;
			}
		} else {
			num[0] = *p;
			num[1] = '\0';
		}
		plen = strlen(piece);
		if (n + plen < outsz)
			memcpy(out + n, piece, plen);
		n += plen;
	}
	if (n < outsz)
		out[n] = '\0';
	return (long)n;
}

/* The next NUL-terminated piece of p[*at..len), copied into dst. */
static void take_string(const uint8_t *p, size_t len, size_t *at, char *dst, size_t dstsz)
{
	size_t k = 0;

	while (*at < len && p[*at] != '\0') {
		if (k + 1 < dstsz)
			dst[k++] = (char)p[*at];
		(*at)++;
	}
	if (*at < len)
		(*at)++;   /* the NUL */
	dst[k] = '\0';
}

static void fuzz_expand(const uint8_t *p, size_t len)
{
	static char fmt[1024], ifname[256], hostname[300];
	static char out[300 + 64], want[8192];
	size_t cap, at = 6;
	int ifindex, r;
	long full;

	if (len < 6)
		return;
	cap = (size_t)(p[0] << 8 | p[1]) % 301;
	ifindex = (int)((uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
			(uint32_t)p[4] << 8 | p[5]);
	take_string(p, len, &at, fmt, sizeof(fmt));
	take_string(p, len, &at, ifname, sizeof(ifname));
	take_string(p, len, &at, hostname, sizeof(hostname));

	FUZZ_CHECK(opt82_vlan_from_name(ifname) == ref_vlan(ifname));

	memset(out, 0xa5, sizeof(out));
	r = opt82_expand(fmt, ifname, ifindex, hostname, out, cap);
	for (size_t i = cap; i < sizeof(out); i++)
		FUZZ_CHECK((uint8_t)out[i] == 0xa5);   /* nothing at or past cap */
	full = ref_expand(fmt, ifname, ifindex, hostname, want, sizeof(want));
	if (full == -EINVAL) {
		/* Which error comes first depends on where the output runs
		 * out; either way there is no result. */
		FUZZ_CHECK(r == -EINVAL || r == -EMSGSIZE);
		return;
	}
	if ((size_t)full >= cap) {
		FUZZ_CHECK(r == -EMSGSIZE);
		return;
	}
	FUZZ_CHECK(r == full);
	FUZZ_CHECK(memcmp(out, want, (size_t)full + 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_list(data + 1, size - 1);
		break;
	case 1:
		fuzz_build(data + 1, size - 1);
		break;
	default:
		fuzz_expand(data + 1, size - 1);
		break;
	}
	return 0;
}
