/* Unit tests for tftp_proto.c: the TFTP codec (RFC 1350) with the option
 * extension (RFC 2347), blksize (RFC 2348), timeout and tsize (RFC 2349)
 * and windowsize (RFC 7440), and path normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tftp_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A packet written as a C string literal: its bytes without the literal's
 * own terminating NUL. */
#define WIRE(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* Parse from a heap copy of exactly len bytes, so that AddressSanitizer
 * sees any read past the end. The copy stays alive while the caller uses
 * p->data (freed by the caller with free_copy). */
static uint8_t *parse_copy(const uint8_t *buf, size_t len, struct tftp_pkt *p, int *r)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	*r = tftp_parse(copy, len, p);
	return copy;
}

static int parse(const uint8_t *buf, size_t len, struct tftp_pkt *p)
{
	int r;

	free(parse_copy(buf, len, p, &r));
	return r;
}

static struct tftp_opts all_opts(void)
{
	struct tftp_opts o = {
		.has_blksize = true, .blksize = 1468,
		.has_tsize = true, .tsize = 123456789012ULL,
		.has_timeout = true, .timeout = 3,
		.has_windowsize = true, .windowsize = 16,
	};

	return o;
}

static void assert_same_opts(const struct tftp_opts *a, const struct tftp_opts *b)
{
	assert_int_equal(a->has_blksize, b->has_blksize);
	assert_int_equal(a->has_tsize, b->has_tsize);
	assert_int_equal(a->has_timeout, b->has_timeout);
	assert_int_equal(a->has_windowsize, b->has_windowsize);
	if (a->has_blksize)
		assert_int_equal(a->blksize, b->blksize);
	if (a->has_tsize)
		assert_int_equal(a->tsize, b->tsize);
	if (a->has_timeout)
		assert_int_equal(a->timeout, b->timeout);
	if (a->has_windowsize)
		assert_int_equal(a->windowsize, b->windowsize);
}

static bool no_opts(const struct tftp_opts *o)
{
	return !o->has_blksize && !o->has_tsize && !o->has_timeout && !o->has_windowsize;
}

/* ---- round trips, one per opcode ---- */

static void test_rrq_round_trip_with_every_option(void **state)
{
	struct tftp_opts o = all_opts();
	uint8_t buf[600];
	struct tftp_pkt p;
	int n;

	(void)state;
	n = tftp_build_rrq(buf, sizeof(buf), "boot/grubx64.efi", &o);
	assert_true(n > 0);
	/* opcode, path, mode, then the options in the builder's order */
	assert_memory_equal(buf, "\0\1boot/grubx64.efi\0octet\0blksize\0" "1468\0", 37);
	assert_int_equal(parse(buf, (size_t)n, &p), 0);
	assert_int_equal(p.op, TFTP_RRQ);
	assert_string_equal(p.path, "boot/grubx64.efi");
	assert_string_equal(p.mode, "octet");
	assert_false(p.bad_option);
	assert_same_opts(&p.opts, &o);
}

static void test_rrq_round_trip_without_options(void **state)
{
	uint8_t buf[64];
	struct tftp_pkt p;
	int n;

	(void)state;
	n = tftp_build_rrq(buf, sizeof(buf), "pxelinux.0", NULL);
	assert_int_equal(n, 2 + 11 + 6);
	assert_int_equal(parse(buf, (size_t)n, &p), 0);
	assert_int_equal(p.op, TFTP_RRQ);
	assert_string_equal(p.path, "pxelinux.0");
	assert_string_equal(p.mode, "octet");
	assert_true(no_opts(&p.opts));
	assert_false(p.bad_option);
}

static void test_wrq_parses_like_rrq(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\2upload.bin\0netascii\0tsize\0" "4096\0"), &p), 0);
	assert_int_equal(p.op, TFTP_WRQ);
	assert_string_equal(p.path, "upload.bin");
	assert_string_equal(p.mode, "netascii");
	assert_true(p.opts.has_tsize);
	assert_int_equal(p.opts.tsize, 4096);
}

static void test_mode_is_lower_cased(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1f\0OcTeT\0"), &p), 0);
	assert_string_equal(p.mode, "octet");
	assert_int_equal(parse(WIRE("\0\1f\0NETASCII\0"), &p), 0);
	assert_string_equal(p.mode, "netascii");
}

static void test_data_round_trip_points_into_the_input(void **state)
{
	uint8_t buf[4 + 512];
	uint8_t *copy;
	struct tftp_pkt p;
	int n, r;

	(void)state;
	n = tftp_build_data_hdr(buf, sizeof(buf), 0xbeef);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 512; i++)
		buf[4 + i] = (uint8_t)(i * 7);
	copy = parse_copy(buf, sizeof(buf), &p, &r);
	assert_int_equal(r, 0);
	assert_int_equal(p.op, TFTP_DATA);
	assert_int_equal(p.block, 0xbeef);
	assert_int_equal(p.data_len, 512);
	assert_ptr_equal(p.data, copy + 4);
	assert_memory_equal(p.data, buf + 4, 512);
	free(copy);
}

static void test_data_with_empty_payload_is_the_last_block(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\3\0\7"), &p), 0);
	assert_int_equal(p.op, TFTP_DATA);
	assert_int_equal(p.block, 7);
	assert_int_equal(p.data_len, 0);
}

static void test_ack_round_trip_at_block_edges(void **state)
{
	static const uint16_t blocks[] = { 0, 1, 255, 256, 65535 };
	uint8_t buf[4];
	struct tftp_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		assert_int_equal(tftp_build_ack(buf, sizeof(buf), blocks[i]), 4);
		assert_int_equal(buf[0], 0);
		assert_int_equal(buf[1], TFTP_ACK);
		assert_int_equal(parse(buf, 4, &p), 0);
		assert_int_equal(p.op, TFTP_ACK);
		assert_int_equal(p.block, blocks[i]);
	}
}

static void test_ack_with_trailing_bytes_still_parses(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\4\1\2junk"), &p), 0);
	assert_int_equal(p.block, 0x0102);
}

static void test_error_round_trip(void **state)
{
	uint8_t buf[64];
	struct tftp_pkt p;
	int n;

	(void)state;
	n = tftp_build_error(buf, sizeof(buf), TFTP_ENOTFOUND, "File not found");
	assert_int_equal(n, 4 + 15);
	assert_int_equal(parse(buf, (size_t)n, &p), 0);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(p.error_code, TFTP_ENOTFOUND);
	assert_string_equal(p.error_msg, "File not found");
}

static void test_error_without_nul_keeps_the_message(void **state)
{
	struct tftp_pkt p;

	(void)state;
	/* Some servers omit the terminating NUL. */
	assert_int_equal(parse(WIRE("\0\5\0\2Access violation"), &p), 0);
	assert_int_equal(p.error_code, TFTP_EACCESS);
	assert_string_equal(p.error_msg, "Access violation");
	/* No message at all. */
	assert_int_equal(parse(WIRE("\0\5\0\1"), &p), 0);
	assert_int_equal(p.error_code, 1);
	assert_string_equal(p.error_msg, "");
}

static void test_error_message_is_made_printable_and_bounded(void **state)
{
	uint8_t buf[4 + 300];
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\5\0\0bad\033[31m\n\0tail"), &p), 0);
	assert_string_equal(p.error_msg, "bad?[31m?");
	memcpy(buf, "\0\5\0\0", 4);
	memset(buf + 4, 'x', 300);
	assert_int_equal(parse(buf, sizeof(buf), &p), 0);
	assert_int_equal(strlen(p.error_msg), sizeof(p.error_msg) - 1);
}

static void test_oack_round_trip(void **state)
{
	struct tftp_opts o = all_opts();
	uint8_t buf[128];
	struct tftp_pkt p;
	int n;

	(void)state;
	n = tftp_build_oack(buf, sizeof(buf), &o);
	assert_true(n > 2);
	assert_int_equal(parse(buf, (size_t)n, &p), 0);
	assert_int_equal(p.op, TFTP_OACK);
	assert_same_opts(&p.opts, &o);
	/* Each option alone. */
	for (int i = 0; i < 4; i++) {
		struct tftp_opts one = { 0 };

		one.has_blksize = i == 0;
		one.blksize = 8;
		one.has_tsize = i == 1;
		one.tsize = 0;
		one.has_timeout = i == 2;
		one.timeout = 255;
		one.has_windowsize = i == 3;
		one.windowsize = 65535;
		n = tftp_build_oack(buf, sizeof(buf), &one);
		assert_true(n > 2);
		assert_int_equal(parse(buf, (size_t)n, &p), 0);
		assert_same_opts(&p.opts, &one);
	}
}

static void test_empty_oack_parses_with_no_options(void **state)
{
	struct tftp_opts none = { 0 };
	uint8_t buf[8];
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &none), 2);
	assert_int_equal(parse(buf, 2, &p), 0);
	assert_int_equal(p.op, TFTP_OACK);
	assert_true(no_opts(&p.opts));
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), NULL), 2);
}

/* ---- options ---- */

static void test_each_known_option_alone(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1f\0octet\0blksize\0" "1428\0"), &p), 0);
	assert_true(p.opts.has_blksize);
	assert_int_equal(p.opts.blksize, 1428);
	assert_false(p.opts.has_tsize || p.opts.has_timeout || p.opts.has_windowsize);

	assert_int_equal(parse(WIRE("\0\1f\0octet\0tsize\0" "0\0"), &p), 0);
	assert_true(p.opts.has_tsize);
	assert_int_equal(p.opts.tsize, 0);
	assert_false(p.opts.has_blksize || p.opts.has_timeout || p.opts.has_windowsize);

	assert_int_equal(parse(WIRE("\0\1f\0octet\0timeout\0" "5\0"), &p), 0);
	assert_true(p.opts.has_timeout);
	assert_int_equal(p.opts.timeout, 5);
	assert_false(p.opts.has_blksize || p.opts.has_tsize || p.opts.has_windowsize);

	assert_int_equal(parse(WIRE("\0\1f\0octet\0windowsize\0" "4\0"), &p), 0);
	assert_true(p.opts.has_windowsize);
	assert_int_equal(p.opts.windowsize, 4);
	assert_false(p.opts.has_blksize || p.opts.has_tsize || p.opts.has_timeout);
	assert_false(p.bad_option);
}

static void test_option_range_edges_are_accepted(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\6blksize\0" "8\0timeout\0" "1\0windowsize\0" "1\0"), &p), 0);
	assert_false(p.bad_option);
	assert_int_equal(p.opts.blksize, 8);
	assert_int_equal(p.opts.timeout, 1);
	assert_int_equal(p.opts.windowsize, 1);
	assert_int_equal(parse(WIRE("\0\6blksize\0" "65464\0timeout\0" "255\0windowsize\0"
				    "65535\0tsize\0" "9223372036854775807\0"), &p), 0);
	assert_false(p.bad_option);
	assert_int_equal(p.opts.blksize, 65464);
	assert_int_equal(p.opts.timeout, 255);
	assert_int_equal(p.opts.windowsize, 65535);
	assert_true(p.opts.tsize == 9223372036854775807ULL);
	/* Leading zeros are still decimal. */
	assert_int_equal(parse(WIRE("\0\6blksize\0" "0001468\0"), &p), 0);
	assert_int_equal(p.opts.blksize, 1468);
}

static void test_option_names_are_case_insensitive(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1f\0octet\0BLKSIZE\0" "1024\0TSize\0" "0\0"
				    "TimeOut\0" "2\0WINDOWsize\0" "8\0"), &p), 0);
	assert_true(p.opts.has_blksize && p.opts.has_tsize && p.opts.has_timeout &&
		    p.opts.has_windowsize);
	assert_int_equal(p.opts.blksize, 1024);
	assert_int_equal(p.opts.timeout, 2);
	assert_int_equal(p.opts.windowsize, 8);
}

static void check_bad(const uint8_t *buf, size_t len)
{
	struct tftp_pkt p;

	assert_int_equal(parse(buf, len, &p), 0);
	assert_true(p.bad_option);
	assert_true(no_opts(&p.opts));
}

static void test_out_of_range_values_are_flagged(void **state)
{
	(void)state;
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "7\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "65465\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "0\0"));
	check_bad(WIRE("\0\1f\0octet\0timeout\0" "0\0"));
	check_bad(WIRE("\0\1f\0octet\0timeout\0" "256\0"));
	check_bad(WIRE("\0\1f\0octet\0windowsize\0" "0\0"));
	check_bad(WIRE("\0\1f\0octet\0windowsize\0" "65536\0"));
	check_bad(WIRE("\0\1f\0octet\0tsize\0" "9223372036854775808\0"));
	check_bad(WIRE("\0\1f\0octet\0tsize\0" "99999999999999999999999\0"));
	check_bad(WIRE("\0\6blksize\0" "99999999999999999999\0"));
}

static void test_non_decimal_values_are_flagged(void **state)
{
	(void)state;
	check_bad(WIRE("\0\1f\0octet\0blksize\0\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "abc\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "+512\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "-512\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" " 512\0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "512 \0"));
	check_bad(WIRE("\0\1f\0octet\0blksize\0" "0x200\0"));
	check_bad(WIRE("\0\1f\0octet\0tsize\0" "1e6\0"));
}

static void test_bad_option_does_not_hide_good_ones(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1f\0octet\0blksize\0" "99999\0tsize\0" "0\0"), &p), 0);
	assert_true(p.bad_option);
	assert_false(p.opts.has_blksize);
	assert_true(p.opts.has_tsize);
}

static void test_unknown_options_are_ignored(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1f\0octet\0multicast\0\0utimeout\0" "500000\0"
				    "blksize2\0" "1024\0blksiz\0" "1024\0windowsize\0" "4\0"), &p), 0);
	assert_false(p.bad_option);
	assert_false(p.opts.has_blksize || p.opts.has_tsize || p.opts.has_timeout);
	assert_true(p.opts.has_windowsize);
	assert_int_equal(p.opts.windowsize, 4);
	/* Unknown options in an OACK are ignored too. */
	assert_int_equal(parse(WIRE("\0\6x-vendor\0on\0"), &p), 0);
	assert_true(no_opts(&p.opts));
	assert_false(p.bad_option);
}

static void test_options_without_nul_are_dropped(void **state)
{
	struct tftp_pkt p;

	(void)state;
	/* Value not terminated: the option is not taken. */
	assert_int_equal(parse(WIRE("\0\1f\0octet\0blksize\0" "1468"), &p), 0);
	assert_string_equal(p.path, "f");
	assert_false(p.opts.has_blksize);
	/* Name not terminated. */
	assert_int_equal(parse(WIRE("\0\1f\0octet\0blksize"), &p), 0);
	assert_false(p.opts.has_blksize);
	/* A name with no value at all. */
	assert_int_equal(parse(WIRE("\0\1f\0octet\0tsize\0"), &p), 0);
	assert_false(p.opts.has_tsize);
	/* Earlier complete pairs are kept. */
	assert_int_equal(parse(WIRE("\0\6tsize\0" "42\0blksize\0" "14"), &p), 0);
	assert_true(p.opts.has_tsize);
	assert_int_equal(p.opts.tsize, 42);
	assert_false(p.opts.has_blksize);
}

static void test_repeated_option_last_one_wins(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(WIRE("\0\6blksize\0" "512\0blksize\0" "1024\0"), &p), 0);
	assert_int_equal(p.opts.blksize, 1024);
}

/* ---- malformed ---- */

static void test_unknown_opcodes_and_short_buffers(void **state)
{
	struct tftp_pkt p;

	(void)state;
	assert_int_equal(parse(NULL, 0, &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0\0\0\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0\7\0\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\1\1f\0octet\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\xff\xff"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0\3\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0\4\0"), &p), -EBADMSG);
	assert_int_equal(parse(WIRE("\0\5\0"), &p), -EBADMSG);
}

/* Each way a request can be unusable has its own code, so the proxy
 * answers it with an ERROR that says which. */
static void test_request_path_and_mode_limits(void **state)
{
	uint8_t buf[2 + 300 + 40];
	struct tftp_pkt p;
	size_t n;

	(void)state;
	assert_int_equal(parse(WIRE("\0\1\0octet\0"), &p), -ENOENT);       /* empty path */
	assert_int_equal(parse(WIRE("\0\1f\0\0"), &p), -EINVAL);           /* empty mode */
	assert_int_equal(parse(WIRE("\0\1f\0octet"), &p), -EBADMSG);       /* mode not ended */
	assert_int_equal(parse(WIRE("\0\1f"), &p), -EBADMSG);              /* path not ended */
	assert_int_equal(parse(WIRE("\0\1f\0" "0123456789abcde\0"), &p), 0);      /* mode 15 */
	assert_int_equal(parse(WIRE("\0\1f\0" "0123456789abcdef\0"), &p), -EINVAL); /* 16 */

	/* A path of TFTP_PATH_MAX - 1 bytes fits, one more does not. */
	for (size_t plen = TFTP_PATH_MAX - 1; plen <= TFTP_PATH_MAX; plen++) {
		buf[0] = 0;
		buf[1] = TFTP_RRQ;
		memset(buf + 2, 'p', plen);
		buf[2 + plen] = 0;
		memcpy(buf + 3 + plen, "octet", 6);
		n = 3 + plen + 6;
		if (plen < TFTP_PATH_MAX) {
			assert_int_equal(parse(buf, n, &p), 0);
			assert_int_equal(strlen(p.path), plen);
		} else {
			assert_int_equal(parse(buf, n, &p), -ENAMETOOLONG);
		}
	}
}

/* A parse of a prefix is either -EBADMSG or a shorter reading of the same
 * packet: same opcode, nothing the whole packet does not say. */
static void check_prefixes(const uint8_t *buf, size_t len)
{
	struct tftp_pkt whole, part;
	uint8_t *copy;
	int r;

	assert_int_equal(parse(buf, len, &whole), 0);
	for (size_t cut = 0; cut < len; cut++) {
		copy = parse_copy(buf, cut, &part, &r);
		if (r != 0) {
			assert_int_equal(r, -EBADMSG);
			free(copy);
			continue;
		}
		assert_int_equal(part.op, whole.op);
		switch (part.op) {
		case TFTP_RRQ:
		case TFTP_WRQ:
			assert_string_equal(part.path, whole.path);
			assert_string_equal(part.mode, whole.mode);
			/* fall through */
		case TFTP_OACK:
			/* Only NUL-terminated values are taken: a cut one is
			 * absent, never shorter. */
			if (part.opts.has_blksize)
				assert_int_equal(part.opts.blksize, whole.opts.blksize);
			if (part.opts.has_tsize)
				assert_int_equal(part.opts.tsize, whole.opts.tsize);
			if (part.opts.has_timeout)
				assert_int_equal(part.opts.timeout, whole.opts.timeout);
			if (part.opts.has_windowsize)
				assert_int_equal(part.opts.windowsize, whole.opts.windowsize);
			break;
		case TFTP_DATA:
			assert_int_equal(part.block, whole.block);
			assert_int_equal(part.data_len, cut - 4);
			assert_ptr_equal(part.data, copy + 4);
			break;
		case TFTP_ACK:
			assert_int_equal(part.block, whole.block);
			break;
		case TFTP_ERROR:
			assert_int_equal(part.error_code, whole.error_code);
			assert_int_equal(strncmp(part.error_msg, whole.error_msg,
						 strlen(part.error_msg)), 0);
			break;
		default:
			fail_msg("unexpected opcode %d", part.op);
		}
		free(copy);
	}
}

static void test_truncation_at_every_offset(void **state)
{
	struct tftp_opts o = all_opts();
	uint8_t buf[600];
	int n;

	(void)state;
	n = tftp_build_rrq(buf, sizeof(buf), "images/vmlinuz", &o);
	check_prefixes(buf, (size_t)n);
	check_prefixes(WIRE("\0\2up\0netascii\0tsize\0" "77\0"));
	n = tftp_build_oack(buf, sizeof(buf), &o);
	check_prefixes(buf, (size_t)n);
	check_prefixes(WIRE("\0\3\1\0payload bytes"));
	check_prefixes(WIRE("\0\4\xff\xff"));
	check_prefixes(WIRE("\0\5\0\1File not found\0"));
	/* The requests' mandatory parts: nothing shorter than "mode\0" ends
	 * them, so every prefix that cuts them fails. */
	for (size_t cut = 0; cut < sizeof("\0\1f\0octet\0") - 1; cut++) {
		struct tftp_pkt p;

		assert_int_equal(parse((const uint8_t *)"\0\1f\0octet\0", cut, &p), -EBADMSG);
	}
}

/* ---- builders at small caps ---- */

/* Every cap below the full length fails with -EMSGSIZE and writes nothing
 * past cap; the full length succeeds. */
#define CHECK_CAPS(call_with_cap)                                              \
	do {                                                                   \
		int full_;                                                     \
		{                                                              \
			size_t cap = sizeof(out);                              \
			full_ = (call_with_cap);                               \
		}                                                              \
		assert_true(full_ > 0);                                        \
		for (size_t cap = 0; cap <= (size_t)full_; cap++) {            \
			int r_;                                                \
			memset(out, 0xa5, sizeof(out));                        \
			r_ = (call_with_cap);                                  \
			if (cap < (size_t)full_)                               \
				assert_int_equal(r_, -EMSGSIZE);               \
			else                                                   \
				assert_int_equal(r_, full_);                   \
			for (size_t i_ = cap; i_ < sizeof(out); i_++)          \
				assert_int_equal(out[i_], 0xa5);               \
		}                                                              \
	} while (0)

static void test_builders_refuse_small_caps(void **state)
{
	struct tftp_opts o = all_opts();
	uint8_t out[300];

	(void)state;
	CHECK_CAPS(tftp_build_rrq(out, cap, "boot/ipxe.efi", &o));
	CHECK_CAPS(tftp_build_rrq(out, cap, "x", NULL));
	CHECK_CAPS(tftp_build_oack(out, cap, &o));
	CHECK_CAPS(tftp_build_ack(out, cap, 513));
	CHECK_CAPS(tftp_build_data_hdr(out, cap, 9));
	CHECK_CAPS(tftp_build_error(out, cap, TFTP_EBADID, "unknown transfer ID"));
	CHECK_CAPS(tftp_build_error(out, cap, 0, ""));
}

static void test_builder_lengths(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(tftp_build_ack(out, 3, 1), -EMSGSIZE);
	assert_int_equal(tftp_build_ack(out, 4, 1), 4);
	assert_memory_equal(out, "\0\4\0\1", 4);
	assert_int_equal(tftp_build_data_hdr(out, 4, 0x1234), 4);
	assert_memory_equal(out, "\0\3\x12\x34", 4);
	assert_int_equal(tftp_build_error(out, 5, 2, ""), 5);
	assert_memory_equal(out, "\0\5\0\2\0", 5);
}

/* ---- tftp_normalise_path ---- */

static void expect_path(const char *in, const char *want)
{
	char out[TFTP_PATH_MAX];

	memset(out, 'Z', sizeof(out));
	assert_int_equal(tftp_normalise_path(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void expect_refused(const char *in, int err)
{
	char out[TFTP_PATH_MAX];

	assert_int_equal(tftp_normalise_path(in, out, sizeof(out)), err);
}

static void test_normalise_keeps_plain_paths(void **state)
{
	(void)state;
	expect_path("a/b", "a/b");
	expect_path("pxelinux.0", "pxelinux.0");
	expect_path("a..b/c.d", "a..b/c.d");
	expect_path(".hidden", ".hidden");
	expect_path("boot/52:54:00:12:34:56.ipxe", "boot/52:54:00:12:34:56.ipxe");  /* iPXE ${mac} */
	expect_path("pxelinux.cfg/01-52-54-00-12-34-56", "pxelinux.cfg/01-52-54-00-12-34-56");
	expect_path("caf\xc3\xa9.efi", "caf\xc3\xa9.efi");   /* bytes >= 0x80 pass */
}

static void test_normalise_drops_slashes_and_dots(void **state)
{
	(void)state;
	expect_path("/a//b/./c", "a/b/c");
	expect_path("///boot/", "boot");
	expect_path("./a/.", "a");
	expect_path("\\\\win\\\\path", "win/path");
	expect_path("\\boot\\x64\\grubx64.efi", "boot/x64/grubx64.efi");
	expect_path("a\\/\\b", "a/b");
}

/* Segments a Windows or a lax boot server could turn into "..", a
 * stream or a drive: only dots and spaces, ".." with anything after it,
 * a trailing dot or space, "::" or ":$", a drive letter first. */
static void test_normalise_refuses_names_a_server_may_read_as_dot_dot(void **state)
{
	(void)state;
	expect_refused("...", -EACCES);
	expect_refused("a/.../b", -EACCES);
	expect_refused(".. /etc", -EACCES);
	expect_refused("a/ /b", -EACCES);
	expect_refused("..;/secret", -EACCES);
	expect_refused("..::$DATA/x", -EACCES);
	expect_refused("..a/b", -EACCES);
	expect_refused("boot.efi.", -EACCES);
	expect_refused("boot.efi ", -EACCES);
	expect_refused("boot.efi::$DATA", -EACCES);
	expect_refused("boot.efi:zone:$DATA", -EACCES);
	expect_refused("C:/windows/win.ini", -EACCES);
	expect_refused("c:boot.ini", -EACCES);
}

static void test_normalise_refuses_dot_dot(void **state)
{
	(void)state;
	expect_refused("../etc/passwd", -EACCES);
	expect_refused("a/../b", -EACCES);
	expect_refused("..", -EACCES);
	expect_refused("a/..", -EACCES);
	expect_refused("/..", -EACCES);
	expect_refused("a\\..\\..\\b", -EACCES);
	expect_refused("./../x", -EACCES);
}

static void test_normalise_refuses_empty_results(void **state)
{
	(void)state;
	expect_refused("", -EACCES);
	expect_refused(".", -EACCES);
	expect_refused("/", -EACCES);
	expect_refused("\\./\\.", -EACCES);
}

static void test_normalise_refuses_control_bytes(void **state)
{
	(void)state;
	expect_refused("a\tb", -EACCES);
	expect_refused("boot\n", -EACCES);
	expect_refused("\x01", -EACCES);
	expect_refused("a/\x1f/b", -EACCES);
	expect_refused("del\x7f", -EACCES);
}

static void test_normalise_too_long(void **state)
{
	char in[600], out[TFTP_PATH_MAX];

	(void)state;
	/* TFTP_PATH_MAX - 1 bytes fit with the NUL, TFTP_PATH_MAX do not. */
	memset(in, 'a', TFTP_PATH_MAX - 1);
	in[TFTP_PATH_MAX - 1] = '\0';
	assert_int_equal(tftp_normalise_path(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), TFTP_PATH_MAX - 1);
	memset(in, 'a', TFTP_PATH_MAX);
	in[TFTP_PATH_MAX] = '\0';
	assert_int_equal(tftp_normalise_path(in, out, sizeof(out)), -ENAMETOOLONG);
	/* Dropped slashes do not count. */
	memset(in, '/', 500);
	memcpy(in + 500, "short", 6);
	assert_int_equal(tftp_normalise_path(in, out, sizeof(out)), 0);
	assert_string_equal(out, "short");
	/* Small caps: "abc" needs 4. */
	assert_int_equal(tftp_normalise_path("abc", out, 4), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(tftp_normalise_path("abc", out, 3), -ENAMETOOLONG);
	assert_int_equal(tftp_normalise_path("a/b", out, 3), -ENAMETOOLONG);
	assert_int_equal(tftp_normalise_path("a", out, 0), -ENAMETOOLONG);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrq_round_trip_with_every_option),
		cmocka_unit_test(test_rrq_round_trip_without_options),
		cmocka_unit_test(test_wrq_parses_like_rrq),
		cmocka_unit_test(test_mode_is_lower_cased),
		cmocka_unit_test(test_data_round_trip_points_into_the_input),
		cmocka_unit_test(test_data_with_empty_payload_is_the_last_block),
		cmocka_unit_test(test_ack_round_trip_at_block_edges),
		cmocka_unit_test(test_ack_with_trailing_bytes_still_parses),
		cmocka_unit_test(test_error_round_trip),
		cmocka_unit_test(test_error_without_nul_keeps_the_message),
		cmocka_unit_test(test_error_message_is_made_printable_and_bounded),
		cmocka_unit_test(test_oack_round_trip),
		cmocka_unit_test(test_empty_oack_parses_with_no_options),
		cmocka_unit_test(test_each_known_option_alone),
		cmocka_unit_test(test_option_range_edges_are_accepted),
		cmocka_unit_test(test_option_names_are_case_insensitive),
		cmocka_unit_test(test_out_of_range_values_are_flagged),
		cmocka_unit_test(test_non_decimal_values_are_flagged),
		cmocka_unit_test(test_bad_option_does_not_hide_good_ones),
		cmocka_unit_test(test_unknown_options_are_ignored),
		cmocka_unit_test(test_options_without_nul_are_dropped),
		cmocka_unit_test(test_repeated_option_last_one_wins),
		cmocka_unit_test(test_unknown_opcodes_and_short_buffers),
		cmocka_unit_test(test_request_path_and_mode_limits),
		cmocka_unit_test(test_truncation_at_every_offset),
		cmocka_unit_test(test_builders_refuse_small_caps),
		cmocka_unit_test(test_builder_lengths),
		cmocka_unit_test(test_normalise_keeps_plain_paths),
		cmocka_unit_test(test_normalise_drops_slashes_and_dots),
		cmocka_unit_test(test_normalise_refuses_dot_dot),
		cmocka_unit_test(test_normalise_refuses_names_a_server_may_read_as_dot_dot),
		cmocka_unit_test(test_normalise_refuses_empty_results),
		cmocka_unit_test(test_normalise_refuses_control_bytes),
		cmocka_unit_test(test_normalise_too_long),
	};

	/* ./test_tftp_proto PATTERN runs the matching tests only. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("tftp_proto", tests, NULL, NULL);
}
