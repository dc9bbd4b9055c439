/* libFuzzer harness: the TFTP codec (tftp_proto.c).
 *
 * 1. tftp_parse on the input: -EBADMSG or a packet whose fields keep their
 *    documented ranges; the packet is then built back with the matching
 *    builder, parsed again, and must read the same. Each builder is also
 *    run at a cap taken from the input: -EMSGSIZE or the full length, and
 *    nothing written at or past cap.
 * 2. tftp_normalise_path on the input read as a string, at the full cap
 *    and at a small cap taken from the input: compared with a reference
 *    reading of the rules in tftp_proto.h; a result never holds a ".."
 *    segment, never starts with '/', holds no '\\', "//", "." segment or
 *    control byte, and normalising it again changes nothing. */
#include "tftp_proto.h"
#include "fuzz_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 0xa5

FUZZ_NO_COV static void check_opts(const struct tftp_opts *o)
{
	if (o->has_blksize)
		FUZZ_CHECK(o->blksize >= TFTP_BLKSIZE_MIN && o->blksize <= TFTP_BLKSIZE_MAX);
	if (o->has_timeout)
		FUZZ_CHECK(o->timeout >= 1 && o->timeout <= 255);
	if (o->has_windowsize)
		FUZZ_CHECK(o->windowsize >= 1 && o->windowsize <= 65535);
	if (o->has_tsize)
		FUZZ_CHECK(o->tsize <= (UINT64_MAX >> 1));
}

FUZZ_NO_COV static bool same_opts(const struct tftp_opts *a, const struct tftp_opts *b)
{
	return a->has_blksize == b->has_blksize && a->has_tsize == b->has_tsize &&
	       a->has_timeout == b->has_timeout && a->has_windowsize == b->has_windowsize &&
	       (!a->has_blksize || a->blksize == b->blksize) &&
	       (!a->has_tsize || a->tsize == b->tsize) &&
	       (!a->has_timeout || a->timeout == b->timeout) &&
	       (!a->has_windowsize || a->windowsize == b->windowsize);
}

/* The fields of a successful parse stay in their ranges. */
FUZZ_NO_COV static void check_parsed(const uint8_t *buf, size_t len, const struct tftp_pkt *p)
{
	switch (p->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		FUZZ_CHECK(p->path[0] != '\0');
		FUZZ_CHECK(strnlen(p->path, sizeof(p->path)) < sizeof(p->path));
		FUZZ_CHECK(p->mode[0] != '\0');
		FUZZ_CHECK(strnlen(p->mode, sizeof(p->mode)) < sizeof(p->mode));
		for (const char *m = p->mode; *m; m++)
			FUZZ_CHECK(!(*m >= 'A' && *m <= 'Z'));
		check_opts(&p->opts);
		break;
	case TFTP_OACK:
		check_opts(&p->opts);
		break;
	case TFTP_DATA:
		FUZZ_CHECK(len >= 4);
		FUZZ_CHECK(p->data == buf + 4);
		FUZZ_CHECK(p->data_len == len - 4);
		break;
	case TFTP_ACK:
		FUZZ_CHECK(len >= 4);
		break;
	case TFTP_ERROR:
		FUZZ_CHECK(len >= 4);
		FUZZ_CHECK(strnlen(p->error_msg, sizeof(p->error_msg)) < sizeof(p->error_msg));
		for (const char *m = p->error_msg; *m; m++)
			FUZZ_CHECK(*m >= 0x20 && *m < 0x7f);
		break;
	default:
		FUZZ_CHECK(!"parse accepted an unknown opcode");
	}
}

/* Build what was parsed into out (at most cap bytes). Returns the length
 * or the builder's error. */
FUZZ_NO_COV static int build_back(const struct tftp_pkt *p, uint8_t *out, size_t cap)
{
	int n;

	switch (p->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		return tftp_build_rrq(out, cap, p->path, &p->opts);
	case TFTP_OACK:
		return tftp_build_oack(out, cap, &p->opts);
	case TFTP_ACK:
		return tftp_build_ack(out, cap, p->block);
	case TFTP_ERROR:
		return tftp_build_error(out, cap, p->error_code, p->error_msg);
	case TFTP_DATA:
		n = tftp_build_data_hdr(out, cap, p->block);
		if (n < 0)
			return n;
		if (cap - (size_t)n < p->data_len)
			return -EMSGSIZE;
		memcpy(out + n, p->data, p->data_len);
		return n + (int)p->data_len;
	}
	return -EINVAL;
}

FUZZ_NO_COV static void check_round_trip(const struct tftp_pkt *p, const uint8_t *data,
					 size_t size)
{
	static uint8_t out[TFTP_BLKSIZE_MAX + 4 + 1024];
	struct tftp_pkt q;
	size_t cap;
	int n, m;

	n = build_back(p, out, sizeof(out));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(tftp_parse(out, (size_t)n, &q) == 0);
	check_parsed(out, (size_t)n, &q);
	switch (p->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		FUZZ_CHECK(q.op == TFTP_RRQ);    /* the only request we build */
		FUZZ_CHECK(strcmp(q.path, p->path) == 0);
		FUZZ_CHECK(strcmp(q.mode, "octet") == 0);
		FUZZ_CHECK(same_opts(&q.opts, &p->opts));
		FUZZ_CHECK(!q.bad_option);
		break;
	case TFTP_OACK:
		FUZZ_CHECK(q.op == TFTP_OACK);
		FUZZ_CHECK(same_opts(&q.opts, &p->opts));
		FUZZ_CHECK(!q.bad_option);
		FUZZ_CHECK((size_t)n >= 2);
		break;
	case TFTP_ACK:
		FUZZ_CHECK(q.op == TFTP_ACK && q.block == p->block && n == 4);
		break;
	case TFTP_DATA:
		FUZZ_CHECK(q.op == TFTP_DATA && q.block == p->block);
		FUZZ_CHECK(q.data_len == p->data_len);
		FUZZ_CHECK(p->data_len == 0 || memcmp(q.data, p->data, p->data_len) == 0);
		break;
	case TFTP_ERROR:
		FUZZ_CHECK(q.op == TFTP_ERROR && q.error_code == p->error_code);
		FUZZ_CHECK(strcmp(q.error_msg, p->error_msg) == 0);
		break;
	}

	/* The same build at a cap from the input: all or -EMSGSIZE, and not
	 * a byte at or past cap. */
	cap = size >= 2 ? ((size_t)data[size - 2] << 8 | data[size - 1]) % ((size_t)n + 2) : 0;
	memset(out, CANARY, (size_t)n + 2);
	m = build_back(p, out, cap);
	if (cap < (size_t)n)
		FUZZ_CHECK(m == -EMSGSIZE);
	else
		FUZZ_CHECK(m == n);
	for (size_t i = cap; i < (size_t)n + 2; i++)
		FUZZ_CHECK(out[i] == CANARY);
}

/* A segment a server could read as more than a name, read independently:
 * nothing but dots and spaces (other than "."), ".." and anything, a dot
 * or a space last, an NTFS stream marker, a drive letter first. */
FUZZ_NO_COV static bool reference_refused(const char *seg, size_t len, bool first)
{
	size_t plain = 0;

	for (size_t i = 0; i < len; i++)
		plain += seg[i] != '.' && seg[i] != ' ';
	if (!plain && !(len == 1 && seg[0] == '.'))
		return true;
	if (len >= 2 && memcmp(seg, "..", 2) == 0)
		return true;
	if (seg[len - 1] == '.' || seg[len - 1] == ' ')
		return true;
	for (size_t i = 1; i < len; i++)
		if (seg[i - 1] == ':' && (seg[i] == ':' || seg[i] == '$'))
			return true;
	return first && len >= 2 && seg[1] == ':' && isalpha((unsigned char)seg[0]);
}

/* The rules of tftp_normalise_path, read independently: segments split on
 * '/' and '\\', empty and "." segments dropped, a control byte or a
 * segment reference_refused() names refuse, and an empty result is
 * refused. Returns 0 (joined in out, which must hold the input's length
 * plus one), or -EACCES. */
FUZZ_NO_COV static int reference_normalise(const char *in, char *out, size_t *outlen)
{
	size_t n = 0;

	for (const char *p = in; *p;) {
		const char *seg;
		size_t len;

		while (*p == '/' || *p == '\\')
			p++;
		seg = p;
		while (*p && *p != '/' && *p != '\\') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -EACCES;
			p++;
		}
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (reference_refused(seg, len, n == 0))
			return -EACCES;
		if (n)
			out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	out[n] = '\0';
	*outlen = n;
	return n ? 0 : -EACCES;
}

FUZZ_NO_COV static void check_normalised(const char *out, size_t cap)
{
	size_t len = strlen(out);
	const char *seg = out;
	char again[TFTP_PATH_MAX];

	FUZZ_CHECK(len > 0 && len < cap);
	FUZZ_CHECK(out[0] != '/');
	FUZZ_CHECK(out[len - 1] != '/');
	FUZZ_CHECK(strstr(out, "//") == NULL);
	for (const char *p = out; *p; p++) {
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		FUZZ_CHECK(*p != '\\');
	}
	/* No "." or ".." segment anywhere, nothing a server could read as
	 * one, a stream or a drive. */
	for (const char *p = out;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t sl = (size_t)(p - seg);

			FUZZ_CHECK(!(sl == 1 && seg[0] == '.'));
			FUZZ_CHECK(!(sl == 2 && seg[0] == '.' && seg[1] == '.'));
			FUZZ_CHECK(!reference_refused(seg, sl, seg == out));
			if (*p == '\0')
				break;
			seg = p + 1;
		}
	}
	/* Normalising a normalised path changes nothing. */
	FUZZ_CHECK(tftp_normalise_path(out, again, sizeof(again)) == 0);
	FUZZ_CHECK(strcmp(again, out) == 0);
}

FUZZ_NO_COV static void check_path(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *ref = malloc(size + 1);
	char out[TFTP_PATH_MAX + 1];
	size_t reflen = 0, small;
	int r, rr, rs;

	FUZZ_CHECK(in && ref);
	memcpy(in, data, size);
	in[size] = '\0';                   /* the string ends at the first NUL */
	rr = reference_normalise(in, ref, &reflen);

	r = tftp_normalise_path(in, out, TFTP_PATH_MAX);
	FUZZ_CHECK(r == 0 || r == -EACCES || r == -ENAMETOOLONG);
	if (r == 0) {
		FUZZ_CHECK(rr == 0 && strcmp(out, ref) == 0);
		check_normalised(out, TFTP_PATH_MAX);
	} else if (r == -EACCES) {
		FUZZ_CHECK(rr == -EACCES);
	} else {
		/* Too long: the joined segments did not fit, whatever else. */
		FUZZ_CHECK(rr != 0 || reflen >= TFTP_PATH_MAX);
	}
	if (rr == 0 && reflen < TFTP_PATH_MAX)
		FUZZ_CHECK(r == 0);

	/* A small cap: nothing written at or past it. */
	small = size ? data[0] % 40 : 0;
	memset(out, CANARY, sizeof(out));
	rs = tftp_normalise_path(in, out, small);
	FUZZ_CHECK(rs == 0 || rs == -EACCES || rs == -ENAMETOOLONG);
	for (size_t i = small; i < sizeof(out); i++)
		FUZZ_CHECK((uint8_t)out[i] == CANARY);
	if (rs == 0) {
		FUZZ_CHECK(rr == 0 && strcmp(out, ref) == 0);
		check_normalised(out, small);
	}
	if (rr == 0 && reflen < small)
		FUZZ_CHECK(rs == 0);
	free(in);
	free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_pkt p;
	int r = tftp_parse(data, size, &p);

	/* Requests have their own codes, so each gets its ERROR. */
	FUZZ_CHECK(r == 0 || r == -EBADMSG ||
		   (size >= 2 && data[0] == 0 && (data[1] == TFTP_RRQ || data[1] == TFTP_WRQ) &&
		    (r == -ENOENT || r == -ENAMETOOLONG || r == -EINVAL)));
	if (r == 0) {
		check_parsed(data, size, &p);
		check_round_trip(&p, data, size);
	}
	/* The request's path as a client sends it: after the opcode. */
	check_path(data, size);
	if (size > 2)
		check_path(data + 2, size - 2);
	return 0;
}
