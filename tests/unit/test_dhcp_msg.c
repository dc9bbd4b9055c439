/* test_dhcp_msg.c - the BOOTP/DHCP codec (RFC 951, 2131, 2132, 3396).
 *
 * Messages are written byte by byte here, independently of the builder,
 * so a bug shared by parser and builder cannot hide behind a round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_msg.h"

/* Wire offsets of the fixed header (RFC 2131 §2, figure 1). */
#define OFF_OP      0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_HOPS    3
#define OFF_XID     4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_GIADDR  24
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_COOKIE  236
#define OFF_OPTIONS 240

#define BOOTP_MIN_LEN 300   /* RFC 951 size many clients pad to */

/* A message under construction, plus where each option started and
 * ended, so the truncation test knows which cuts fall inside one. */
struct pkt {
	uint8_t b[DHCP_MAX_LEN + 64];
	size_t len;
	size_t opt_start[64], opt_end[64];
	size_t nopt;
};

static const uint8_t client_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t cookie[4] = { 99, 130, 83, 99 };

static void put(struct pkt *p, const void *v, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	if (n)
		memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void put_u8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

/* BOOTP header of a client broadcasting a DISCOVER; sname and file zero. */
static void put_header(struct pkt *p, uint8_t op)
{
	static const uint8_t hdr[12] = {
		0, 1, 6, 0,               /* op (set below), htype Ethernet, hlen 6, hops 0 */
		0x39, 0x03, 0xf3, 0x26,   /* xid */
		0x00, 0x04,               /* secs 4 */
		0x80, 0x00,               /* flags: broadcast */
	};
	uint8_t zero[DHCP_FILE_LEN] = { 0 };

	memset(p, 0, sizeof(*p));
	put(p, hdr, sizeof(hdr));
	p->b[OFF_OP] = op;
	put(p, zero, 16);             /* ciaddr yiaddr siaddr giaddr */
	put(p, client_mac, sizeof(client_mac));
	put(p, zero, DHCP_CHADDR_LEN - sizeof(client_mac));
	put(p, zero, DHCP_SNAME_LEN);
	put(p, zero, DHCP_FILE_LEN);
	assert_int_equal(p->len, DHCP_HDR_LEN);
}

static void put_cookie(struct pkt *p)
{
	put(p, cookie, sizeof(cookie));
}

static void put_opt(struct pkt *p, uint8_t code, const void *val, size_t len)
{
	assert_true(len <= 255);
	p->opt_start[p->nopt] = p->len;
	put_u8(p, code);
	put_u8(p, (uint8_t)len);
	put(p, val, len);
	p->opt_end[p->nopt++] = p->len;
}

static void put_opt_str(struct pkt *p, uint8_t code, const char *s)
{
	put_opt(p, code, s, strlen(s));
}

static void put_end(struct pkt *p)
{
	put_u8(p, DHO_END);
}

static void pad_to(struct pkt *p, size_t n)
{
	while (p->len < n)
		put_u8(p, 0);
}

/* An option written into a borrowed header field (overload) at *pos. */
static void field_opt(struct pkt *p, size_t *pos, uint8_t code, const char *s)
{
	size_t n = strlen(s);

	p->b[(*pos)++] = code;
	p->b[(*pos)++] = (uint8_t)n;
	memcpy(p->b + *pos, s, n);
	*pos += n;
}

static const uint8_t prl[] = { 1, 3, 6, 43, 60, 66, 67 };
static const char pxe_vendor_class[] = "PXEClient:Arch:00000:UNDI:002001";

/* What a BIOS PXE ROM broadcasts: DISCOVER, max size, parameter list,
 * arch 0, vendor class; END, then zero padding to 300 bytes. */
static void make_discover(struct pkt *p)
{
	static const uint8_t type = DHCPDISCOVER;
	static const uint8_t maxsz[2] = { 0x05, 0xc0 };   /* 1472 */
	static const uint8_t arch[2] = { 0x00, 0x00 };

	put_header(p, BOOTREQUEST);
	put_cookie(p);
	put_opt(p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(p, DHO_MAX_MESSAGE_SIZE, maxsz, sizeof(maxsz));
	put_opt(p, DHO_PARAM_REQUEST_LIST, prl, sizeof(prl));
	put_opt(p, DHO_CLIENT_ARCH, arch, sizeof(arch));
	put_opt_str(p, DHO_VENDOR_CLASS, pxe_vendor_class);
	put_end(p);
	assert_true(p->len < BOOTP_MIN_LEN);
	pad_to(p, BOOTP_MIN_LEN);
}

static struct dhcp_msg *msg_new(void)
{
	struct dhcp_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	return m;
}

/* Parse from a heap copy of exactly len bytes, so a read past the end is
 * caught by AddressSanitizer. */
static int parse_exact(struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	r = dhcp_msg_parse(m, copy, len);
	free(copy);
	return r;
}

static void assert_opt(const struct dhcp_msg *m, uint8_t code, const void *val, size_t len)
{
	size_t got;
	const uint8_t *v = dhcp_opt_get(m, code, 0, 0xffff, &got);

	assert_non_null(v);
	assert_int_equal(got, len);
	if (len)
		assert_memory_equal(v, val, len);
}

static void assert_opt_str(const struct dhcp_msg *m, uint8_t code, const char *s)
{
	assert_opt(m, code, s, strlen(s));
}

/* Position of the first instance of code in the options field of a built
 * message, or -1. Walks the wire format independently of the codec. */
static long wire_find(const uint8_t *b, size_t len, uint8_t code, size_t from)
{
	size_t i = from;

	while (i < len) {
		if (b[i] == DHO_PAD) {
			i++;
			continue;
		}
		if (b[i] == code)
			return (long)i;
		if (b[i] == DHO_END)
			return -1;
		if (i + 1 >= len)
			return -1;
		i += 2 + b[i + 1];
	}
	return -1;
}

/* Position of END in the options field of a built message. */
static long wire_end(const uint8_t *b, size_t len)
{
	return wire_find(b, len, DHO_END, OFF_OPTIONS);
}

/* ---- parse: header and options ---- */

static void test_parse_discover_reads_every_header_field(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t zero[DHCP_FILE_LEN] = { 0 };
	uint8_t chaddr[DHCP_CHADDR_LEN] = { 0 };

	(void)state;
	make_discover(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(m->op, BOOTREQUEST);
	assert_int_equal(m->htype, 1);
	assert_int_equal(m->hlen, 6);
	assert_int_equal(m->hops, 0);
	assert_int_equal(m->xid, 0x3903f326);
	assert_int_equal(m->secs, 4);
	assert_int_equal(m->flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(m->ciaddr, 0);
	assert_int_equal(m->yiaddr, 0);
	assert_int_equal(m->siaddr, 0);
	assert_int_equal(m->giaddr, 0);
	memcpy(chaddr, client_mac, sizeof(client_mac));
	assert_memory_equal(m->chaddr, chaddr, sizeof(chaddr));
	assert_memory_equal(m->sname, zero, DHCP_SNAME_LEN);
	assert_memory_equal(m->file, zero, DHCP_FILE_LEN);
	assert_true(m->has_cookie);
	assert_int_equal(m->wire_len, BOOTP_MIN_LEN);
	free(m);
}

static void test_parse_header_addresses_stay_in_network_order(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t ci[4] = { 192, 0, 2, 1 }, yi[4] = { 192, 0, 2, 2 },
		si[4] = { 192, 0, 2, 3 }, gi[4] = { 10, 10, 0, 1 };
	uint32_t want;

	(void)state;
	make_discover(&p);
	p.b[OFF_HOPS] = 3;
	p.b[OFF_FLAGS] = 0;
	memcpy(p.b + OFF_CIADDR, ci, 4);
	memcpy(p.b + OFF_YIADDR, yi, 4);
	memcpy(p.b + OFF_SIADDR, si, 4);
	memcpy(p.b + OFF_GIADDR, gi, 4);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(m->hops, 3);
	assert_int_equal(m->flags, 0);
	memcpy(&want, ci, 4);
	assert_int_equal(m->ciaddr, want);
	memcpy(&want, yi, 4);
	assert_int_equal(m->yiaddr, want);
	memcpy(&want, si, 4);
	assert_int_equal(m->siaddr, want);
	memcpy(&want, gi, 4);
	assert_int_equal(m->giaddr, want);
	free(m);
}

static void test_parse_discover_reads_every_option_in_wire_order(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t want_codes[] = {
		DHO_MESSAGE_TYPE, DHO_MAX_MESSAGE_SIZE, DHO_PARAM_REQUEST_LIST,
		DHO_CLIENT_ARCH, DHO_VENDOR_CLASS,
	};
	static const uint8_t type = DHCPDISCOVER, maxsz[2] = { 0x05, 0xc0 }, arch[2] = { 0, 0 };

	(void)state;
	make_discover(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(m->nopts, sizeof(want_codes));
	for (size_t i = 0; i < sizeof(want_codes); i++) {
		assert_int_equal(m->opts[i].code, want_codes[i]);
		assert_int_equal(m->opts[i].area, DHCP_AREA_OPTIONS);
		assert_int_equal(m->index[want_codes[i]], (int)i);
	}
	assert_opt(m, DHO_MESSAGE_TYPE, &type, 1);
	assert_opt(m, DHO_MAX_MESSAGE_SIZE, maxsz, 2);
	assert_opt(m, DHO_PARAM_REQUEST_LIST, prl, sizeof(prl));
	assert_opt(m, DHO_CLIENT_ARCH, arch, 2);
	assert_opt_str(m, DHO_VENDOR_CLASS, pxe_vendor_class);
	assert_int_equal(dhcp_msg_type(m), DHCPDISCOVER);
	assert_false(dhcp_opt_has(m, DHO_AGENT_INFO));
	assert_false(dhcp_opt_has(m, DHO_OVERLOAD));
	assert_int_equal(m->index[DHO_END], -1);
	assert_int_equal(m->index[DHO_PAD], -1);
	free(m);
}

static void test_opt_get_enforces_the_stated_length_range(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	size_t len = 99;

	(void)state;
	make_discover(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	/* Option 93 is a list of 16-bit codes: 2 bytes here. */
	assert_non_null(dhcp_opt_get(m, DHO_CLIENT_ARCH, 2, 2, &len));
	assert_int_equal(len, 2);
	assert_null(dhcp_opt_get(m, DHO_CLIENT_ARCH, 3, 64, NULL));
	assert_null(dhcp_opt_get(m, DHO_CLIENT_ARCH, 0, 1, NULL));
	/* Option 97 absent: NULL whatever the range. */
	assert_null(dhcp_opt_get(m, DHO_CLIENT_UUID, 0, 0xffff, NULL));
	/* The length pointer may be NULL. */
	assert_non_null(dhcp_opt_get(m, DHO_VENDOR_CLASS, 1, 255, NULL));
	free(m);
}

static void test_pad_options_between_options_are_skipped(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPREQUEST;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_u8(&p, DHO_PAD);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_u8(&p, DHO_PAD);
	put_u8(&p, DHO_PAD);
	put_opt_str(&p, DHO_HOST_NAME, "pc1");
	put_end(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(m->nopts, 2);
	assert_int_equal(dhcp_msg_type(m), DHCPREQUEST);
	assert_opt_str(m, DHO_HOST_NAME, "pc1");
	free(m);
}

static void test_bytes_after_end_are_not_options(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPDISCOVER;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_end(&p);
	/* Garbage after END, including what would be a broken option. */
	put_opt_str(&p, DHO_HOST_NAME, "ignored");
	put_u8(&p, DHO_VENDOR_CLASS);
	put_u8(&p, 200);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(m->nopts, 1);
	assert_false(dhcp_opt_has(m, DHO_HOST_NAME));
	assert_false(dhcp_opt_has(m, DHO_VENDOR_CLASS));
	free(m);
}

static void test_zero_length_option_is_kept(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	size_t len = 7;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, 80, NULL, 0);        /* rapid commit: no value */
	put_end(&p);
	pad_to(&p, BOOTP_MIN_LEN);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_true(dhcp_opt_has(m, 80));
	assert_non_null(dhcp_opt_get(m, 80, 0, 0, &len));
	assert_int_equal(len, 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_MAX_LEN, out, sizeof(out)), (int)p.len);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

/* ---- round trips ---- */

static void test_round_trip_discover_is_byte_identical_with_padding(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	int n;

	(void)state;
	make_discover(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_int_equal(n, BOOTP_MIN_LEN);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

static void test_round_trip_keeps_padding_of_a_short_message(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPINFORM;
	uint8_t out[DHCP_MAX_LEN];

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_end(&p);
	pad_to(&p, BOOTP_MIN_LEN);    /* 56 bytes of padding */
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), BOOTP_MIN_LEN);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

static void test_round_trip_unpadded_message_stays_unpadded(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPREQUEST;
	uint8_t out[DHCP_MAX_LEN];

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_end(&p);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), (int)p.len);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

static void test_plain_bootp_without_cookie_round_trips_byte_for_byte(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];

	(void)state;
	put_header(&p, BOOTREQUEST);
	memcpy(p.b + OFF_FILE, "boot/pc.img", 11);
	memcpy(p.b + OFF_SNAME, "srv", 3);
	/* RFC 951 vendor area: 64 opaque bytes, starting like no cookie. */
	for (int i = 0; i < 64; i++)
		put_u8(&p, (uint8_t)(0xa0 + i));
	assert_int_equal(p.len, BOOTP_MIN_LEN);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_false(m->has_cookie);
	assert_int_equal(m->nopts, 0);
	assert_memory_equal(m->file, "boot/pc.img", 12);
	assert_memory_equal(m->sname, "srv", 4);
	assert_int_equal(dhcp_msg_type(m), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), BOOTP_MIN_LEN);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

static void test_header_only_message_is_plain_bootp(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];

	(void)state;
	put_header(&p, BOOTREPLY);
	assert_int_equal(dhcp_msg_parse(m, p.b, p.len), 0);
	assert_false(m->has_cookie);
	assert_int_equal(m->op, BOOTREPLY);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), DHCP_HDR_LEN);
	assert_memory_equal(out, p.b, DHCP_HDR_LEN);
	free(m);
}

/* ---- truncation and malformed lengths ---- */

static int expected_for_cut(const struct pkt *p, size_t cut)
{
	if (cut < DHCP_HDR_LEN)
		return -EBADMSG;
	if (cut < OFF_OPTIONS)
		return 0;             /* cookie incomplete: plain BOOTP */
	for (size_t i = 0; i < p->nopt; i++)
		if (cut > p->opt_start[i] && cut < p->opt_end[i])
			return -EBADMSG;
	return 0;                     /* at a boundary: END missing, accepted */
}

static void test_truncation_at_every_offset_never_crashes_and_is_classified(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();

	(void)state;
	make_discover(&p);
	for (size_t cut = 0; cut < p.len; cut++) {
		int want = expected_for_cut(&p, cut);
		int r = parse_exact(m, p.b, cut);

		if (r != want)
			fail_msg("cut at %zu: got %d, want %d", cut, r, want);
	}
	free(m);
}

static void test_truncated_header_is_ebadmsg(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, 0), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, 1), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, OFF_CHADDR + 3), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, DHCP_HDR_LEN - 1), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, DHCP_HDR_LEN), 0);
	free(m);
}

static void test_cut_inside_an_option_is_ebadmsg(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	size_t vc;

	(void)state;
	make_discover(&p);
	vc = p.nopt - 1;              /* the vendor class, last option */
	/* After the code byte, after the length byte, in the value. */
	assert_int_equal(parse_exact(m, p.b, p.opt_start[vc] + 1), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, p.opt_start[vc] + 2), -EBADMSG);
	assert_int_equal(parse_exact(m, p.b, p.opt_end[vc] - 1), -EBADMSG);
	/* At its end: complete, END missing. */
	assert_int_equal(parse_exact(m, p.b, p.opt_end[vc]), 0);
	assert_opt_str(m, DHO_VENDOR_CLASS, pxe_vendor_class);
	free(m);
}

static void test_option_length_running_past_the_end_is_ebadmsg(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPDISCOVER;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_u8(&p, DHO_HOST_NAME);
	put_u8(&p, 10);               /* claims 10 bytes, 5 follow */
	put(&p, "abcde", 5);
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);
	free(m);
}

static void test_options_field_without_end_is_accepted(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPDISCOVER;
	uint8_t out[DHCP_MAX_LEN];
	int n;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt_str(&p, DHO_HOST_NAME, "pc1");
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_type(m), DHCPDISCOVER);
	assert_opt_str(m, DHO_HOST_NAME, "pc1");
	/* The builder closes the field with END. */
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_int_equal(n, (int)p.len + 1);
	assert_memory_equal(out, p.b, p.len);
	assert_int_equal(out[p.len], DHO_END);
	free(m);
}

static void test_message_longer_than_max_len_is_emsgsize(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();

	(void)state;
	make_discover(&p);
	pad_to(&p, DHCP_MAX_LEN + 1);
	assert_int_equal(parse_exact(m, p.b, DHCP_MAX_LEN + 1), -EMSGSIZE);
	/* Exactly the limit is accepted. */
	assert_int_equal(parse_exact(m, p.b, DHCP_MAX_LEN), 0);
	assert_int_equal(m->wire_len, DHCP_MAX_LEN);
	free(m);
}

/* ---- option overload (option 52, RFC 2131 §4.1) ---- */

/* A server's OFFER with option 52 = which; file carries option 67 and
 * sname option 66 when borrowed. Fields not borrowed keep a name. */
static void make_overloaded_offer(struct pkt *p, uint8_t which)
{
	static const uint8_t type = DHCPOFFER;
	static const uint8_t sid[4] = { 10, 0, 0, 2 };
	size_t pos;

	put_header(p, BOOTREPLY);
	p->b[OFF_YIADDR] = 10;
	p->b[OFF_YIADDR + 3] = 50;
	if (which & 1) {
		pos = OFF_FILE;
		field_opt(p, &pos, DHO_BOOTFILE, "pxelinux.0");
		field_opt(p, &pos, DHO_HOST_NAME, "client-50");
		p->b[pos] = DHO_END;
	} else {
		memcpy(p->b + OFF_FILE, "plain.file", 10);
	}
	if (which & 2) {
		pos = OFF_SNAME;
		field_opt(p, &pos, DHO_TFTP_SERVER, "boot1");
		p->b[pos] = DHO_END;
	} else {
		memcpy(p->b + OFF_SNAME, "server.name", 11);
	}
	put_cookie(p);
	put_opt(p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(p, DHO_OVERLOAD, &which, 1);
	put_opt(p, DHO_SERVER_ID, sid, sizeof(sid));
	put_end(p);
	pad_to(p, BOOTP_MIN_LEN);
}

static void check_overload(uint8_t which)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	uint8_t zero[DHCP_FILE_LEN] = { 0 };

	make_overloaded_offer(&p, which);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_type(m), DHCPOFFER);
	if (which & 1) {
		assert_opt_str(m, DHO_BOOTFILE, "pxelinux.0");
		assert_opt_str(m, DHO_HOST_NAME, "client-50");
		assert_int_equal(m->opts[m->index[DHO_BOOTFILE]].area, DHCP_AREA_FILE);
		assert_int_equal(m->opts[m->index[DHO_HOST_NAME]].area, DHCP_AREA_FILE);
		/* A borrowed field is not a file name. */
		assert_memory_equal(m->file, zero, DHCP_FILE_LEN);
	} else {
		assert_false(dhcp_opt_has(m, DHO_BOOTFILE));
		assert_memory_equal(m->file, "plain.file", 11);
	}
	if (which & 2) {
		assert_opt_str(m, DHO_TFTP_SERVER, "boot1");
		assert_int_equal(m->opts[m->index[DHO_TFTP_SERVER]].area, DHCP_AREA_SNAME);
		assert_memory_equal(m->sname, zero, DHCP_SNAME_LEN);
	} else {
		assert_false(dhcp_opt_has(m, DHO_TFTP_SERVER));
		assert_memory_equal(m->sname, "server.name", 12);
	}
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), (int)p.len);
	assert_memory_equal(out, p.b, p.len);
	free(m);
}

static void test_overload_1_options_in_file_parsed_and_rebuilt_in_file(void **state)
{
	(void)state;
	check_overload(1);
}

static void test_overload_2_options_in_sname_parsed_and_rebuilt_in_sname(void **state)
{
	(void)state;
	check_overload(2);
}

static void test_overload_3_options_in_file_and_sname_parsed_and_rebuilt(void **state)
{
	(void)state;
	check_overload(3);
}

/* An ISC-style long option: option 43 (vendor options, 300 bytes) starts
 * in the options field and continues in file (and sname when which is 3):
 * RFC 3396's split. */
static void make_split_offer(struct pkt *p, uint8_t which)
{
	static const uint8_t type = DHCPOFFER;
	uint8_t v[300];
	size_t pos;

	for (size_t i = 0; i < sizeof(v); i++)
		v[i] = (uint8_t)(i * 7 + 1);
	put_header(p, BOOTREPLY);
	p->b[OFF_YIADDR] = 10;
	p->b[OFF_YIADDR + 3] = 50;
	put_cookie(p);
	put_opt(p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(p, DHO_OVERLOAD, &which, 1);
	put_opt(p, 43, v, 200);
	put_end(p);
	pos = OFF_FILE;
	p->b[pos++] = 43;
	p->b[pos++] = which == 3 ? 60 : 100;
	memcpy(p->b + pos, v + 200, which == 3 ? 60 : 100);
	pos += which == 3 ? 60 : 100;
	p->b[pos] = DHO_END;
	if (which == 3) {
		pos = OFF_SNAME;
		p->b[pos++] = 43;
		p->b[pos++] = 40;
		memcpy(p->b + pos, v + 260, 40);
		p->b[pos + 40] = DHO_END;
	}
	pad_to(p, BOOTP_MIN_LEN);
}

/* RFC 3396: "the options field, the file field and the sname field ...
 * are concatenated" into one value. Joined for the reader, the value is
 * written back split the way the sender split it: the rebuilt message is
 * no longer than the original, and parses to the same value. A relay never
 * loses a valid reply to growth that only came from joining. */
static void test_rfc3396_split_option_keeps_the_senders_layout(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new(), *back = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	const uint8_t *a, *b;
	size_t alen, blen;
	int n;

	(void)state;
	for (uint8_t which = 1; which <= 3; which += 2) {
		make_split_offer(&p, which);
		assert_int_equal(parse_exact(m, p.b, p.len), 0);
		a = dhcp_opt_get(m, 43, 300, 300, &alen);
		assert_non_null(a);
		assert_true(dhcp_opt_split(&m->opts[m->index[43]]));
		n = dhcp_msg_build(m, p.len, out, sizeof(out));
		assert_int_equal(n, (int)p.len);
		assert_memory_equal(out, p.b, p.len);
		assert_int_equal(parse_exact(back, out, (size_t)n), 0);
		b = dhcp_opt_get(back, 43, 300, 300, &blen);
		assert_non_null(b);
		assert_memory_equal(a, b, 300);
	}
	free(m);
	free(back);
}

/* Once edited, a split value goes whole into the options field, where the
 * builder checks the room it has. */
static void test_rfc3396_split_option_edited_goes_to_the_options_field(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN], v[10] = { 1, 2, 3 };
	int n;

	(void)state;
	make_split_offer(&p, 1);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, 43, v, sizeof(v)), 0);
	assert_false(dhcp_opt_split(&m->opts[m->index[43]]));
	assert_int_equal(m->opts[m->index[43]].area, DHCP_AREA_OPTIONS);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(parse_exact(m, out, (size_t)n), 0);
	assert_non_null(dhcp_opt_get(m, 43, 10, 10, NULL));
	free(m);
}

/* RFC 3046 2.1: "Relay agents SHALL NOT modify existing option overload
 * options." A client's option 52 naming a field it left empty is kept,
 * also when option 82 is added. */
static void test_rfc3046_relay_keeps_the_clients_overload_option(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN], ov = 3, agent[4] = { 1, 2, 'x', 'y' };
	static const uint8_t type = DHCPDISCOVER;
	long at;
	int n;
	size_t pos;

	(void)state;
	put_header(&p, BOOTREQUEST);
	pos = OFF_FILE;
	field_opt(&p, &pos, DHO_HOST_NAME, "pc-1");
	p.b[pos] = DHO_END;
	p.b[OFF_SNAME] = DHO_END;        /* named by 52, holds nothing */
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(&p, DHO_OVERLOAD, &ov, 1);
	put_end(&p);
	pad_to(&p, BOOTP_MIN_LEN);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_AGENT_INFO, agent, sizeof(agent)), 0);
	n = dhcp_msg_build(m, 1500, out, sizeof(out));
	assert_true(n > 0);
	at = wire_find(out, (size_t)n, DHO_OVERLOAD, OFF_OPTIONS);
	assert_true(at > 0);
	assert_int_equal(out[at + 2], 3);
	assert_memory_equal(out + OFF_FILE, p.b + OFF_FILE, DHCP_FILE_LEN);
	free(m);
}

/* RFC 3046 2.1: "Relay agents SHALL NOT modify existing option overload
 * options." Options deleted from a borrowed field leave it an empty
 * options field (END), still named by the sender's option 52. */
static void test_rfc3046_overload_option_kept_when_borrowed_fields_empty_after_delete(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	long at;
	int n;

	(void)state;
	make_overloaded_offer(&p, 1);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	dhcp_opt_del(m, DHO_BOOTFILE);
	dhcp_opt_del(m, DHO_HOST_NAME);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	at = wire_find(out, (size_t)n, DHO_OVERLOAD, OFF_OPTIONS);
	assert_true(at > 0);
	assert_int_equal(out[at + 2], 1);
	assert_int_equal(out[OFF_FILE], DHO_END);
	assert_int_equal(parse_exact(m, out, (size_t)n), 0);
	assert_false(dhcp_opt_has(m, DHO_BOOTFILE));
	free(m);
}

/* The same rule when one of two borrowed fields loses its options: the
 * sender's 3 stays, the other field keeps its options. */
static void test_rfc3046_overload_option_kept_when_one_field_empties(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];
	long at;
	int n;

	(void)state;
	make_overloaded_offer(&p, 3);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	dhcp_opt_del(m, DHO_TFTP_SERVER);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	at = wire_find(out, (size_t)n, DHO_OVERLOAD, OFF_OPTIONS);
	assert_true(at > 0);
	assert_int_equal(out[at + 1], 1);
	assert_int_equal(out[at + 2], 3);
	assert_int_equal(parse_exact(m, out, (size_t)n), 0);
	assert_opt_str(m, DHO_BOOTFILE, "pxelinux.0");
	assert_false(dhcp_opt_has(m, DHO_TFTP_SERVER));
	free(m);
}

static void test_overload_option_inside_file_field_is_rejected(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	size_t pos;

	(void)state;
	make_overloaded_offer(&p, 1);
	/* Replace the file contents with an option 52 (a loop). */
	memset(p.b + OFF_FILE, 0, DHCP_FILE_LEN);
	pos = OFF_FILE;
	p.b[pos++] = DHO_OVERLOAD;
	p.b[pos++] = 1;
	p.b[pos++] = 3;
	p.b[pos] = DHO_END;
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);
	free(m);
}

static void test_overload_option_inside_sname_field_is_rejected(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	size_t pos;

	(void)state;
	make_overloaded_offer(&p, 2);
	memset(p.b + OFF_SNAME, 0, DHCP_SNAME_LEN);
	pos = OFF_SNAME;
	p.b[pos++] = DHO_OVERLOAD;
	p.b[pos++] = 1;
	p.b[pos++] = 2;
	p.b[pos] = DHO_END;
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);
	free(m);
}

static void test_overload_option_with_bad_value_is_rejected(void **state)
{
	static const uint8_t bad[] = { 0, 4, 7, 255 };
	struct dhcp_msg *m = msg_new();

	(void)state;
	for (size_t i = 0; i < sizeof(bad); i++) {
		struct pkt p;

		make_overloaded_offer(&p, 3);
		/* Option 52's value byte: second option, third byte. */
		assert_int_equal(p.b[p.opt_start[1]], DHO_OVERLOAD);
		p.b[p.opt_start[1] + 2] = bad[i];
		if (parse_exact(m, p.b, p.len) != -EBADMSG)
			fail_msg("option 52 = %u accepted", bad[i]);
	}
	free(m);
}

static void test_overload_option_with_bad_length_is_rejected(void **state)
{
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPOFFER;
	static const uint8_t two[2] = { 1, 0 };
	struct pkt p;

	(void)state;
	put_header(&p, BOOTREPLY);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(&p, DHO_OVERLOAD, two, 2);
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);

	put_header(&p, BOOTREPLY);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(&p, DHO_OVERLOAD, NULL, 0);
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);
	free(m);
}

static void test_option_cut_inside_borrowed_file_field_is_ebadmsg(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();

	(void)state;
	make_overloaded_offer(&p, 1);
	/* Last option in file claims more bytes than the field holds. */
	p.b[OFF_FILE + DHCP_FILE_LEN - 2] = DHO_HOST_NAME;
	p.b[OFF_FILE + DHCP_FILE_LEN - 1] = 5;
	p.b[OFF_FILE + 2 + 10 + 2 + 9] = DHO_PAD;         /* was END */
	assert_int_equal(parse_exact(m, p.b, p.len), -EBADMSG);
	free(m);
}

/* ---- RFC 3396: long options ---- */

static void test_two_instances_of_an_option_are_concatenated(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPDISCOVER;
	uint8_t out[DHCP_MAX_LEN];
	int n;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt_str(&p, DHO_USER_CLASS, "iP");
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt_str(&p, DHO_USER_CLASS, "XE");
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(m->nopts, 2);
	assert_opt_str(m, DHO_USER_CLASS, "iPXE");
	assert_int_equal(dhcp_msg_type(m), DHCPDISCOVER);
	/* Rebuilt as one instance: 4 bytes fit in one. */
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(out[OFF_OPTIONS], DHO_USER_CLASS);
	assert_int_equal(out[OFF_OPTIONS + 1], 4);
	assert_memory_equal(out + OFF_OPTIONS + 2, "iPXE", 4);
	assert_int_equal(wire_find(out, (size_t)n, DHO_USER_CLASS, OFF_OPTIONS + 6), -1);
	free(m);
}

static void test_instances_in_options_file_and_sname_concatenate_in_that_order(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t ov = 3;
	size_t pos;

	(void)state;
	put_header(&p, BOOTREPLY);
	pos = OFF_FILE;
	field_opt(&p, &pos, 43, "-file");
	p.b[pos] = DHO_END;
	pos = OFF_SNAME;
	field_opt(&p, &pos, 43, "-sname");
	p.b[pos] = DHO_END;
	put_cookie(&p);
	put_opt_str(&p, 43, "options");
	put_opt(&p, DHO_OVERLOAD, &ov, 1);
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_opt_str(m, 43, "options-file-sname");
	free(m);
}

static void test_builder_splits_values_longer_than_255_bytes(void **state)
{
	struct dhcp_msg *m = msg_new();
	uint8_t val[600], out[DHCP_MAX_LEN];
	static const uint8_t type = DHCPOFFER;
	int n;
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7 + 1);
	dhcp_msg_init(m);
	m->op = BOOTREPLY;
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &type, 1), 0);
	assert_int_equal(dhcp_opt_set(m, 43, val, sizeof(val)), 0);
	n = dhcp_msg_build(m, DHCP_MAX_LEN, out, sizeof(out));
	assert_true(n > 0);
	/* 53, then 43 as 255 + 255 + 90, then END. */
	at = OFF_OPTIONS + 3;
	assert_int_equal(out[at], 43);
	assert_int_equal(out[at + 1], 255);
	assert_memory_equal(out + at + 2, val, 255);
	at += 257;
	assert_int_equal(out[at], 43);
	assert_int_equal(out[at + 1], 255);
	assert_memory_equal(out + at + 2, val + 255, 255);
	at += 257;
	assert_int_equal(out[at], 43);
	assert_int_equal(out[at + 1], 90);
	assert_memory_equal(out + at + 2, val + 510, 90);
	at += 92;
	assert_int_equal(out[at], DHO_END);
	assert_int_equal(n, (int)at + 1);
	/* And parsed back into one 600-byte value. */
	assert_int_equal(parse_exact(m, out, (size_t)n), 0);
	assert_opt(m, 43, val, sizeof(val));
	free(m);
}

static void test_builder_keeps_a_255_byte_value_in_one_instance(void **state)
{
	struct dhcp_msg *m = msg_new();
	uint8_t val[255], out[DHCP_MAX_LEN];
	int n;

	(void)state;
	memset(val, 'x', sizeof(val));
	dhcp_msg_init(m);
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, 43, val, sizeof(val)), 0);
	n = dhcp_msg_build(m, DHCP_MAX_LEN, out, sizeof(out));
	assert_int_equal(n, OFF_OPTIONS + 2 + 255 + 1);
	assert_int_equal(out[OFF_OPTIONS + 1], 255);
	assert_int_equal(out[OFF_OPTIONS + 257], DHO_END);
	free(m);
}

static void test_builder_splits_510_bytes_into_exactly_two_instances(void **state)
{
	struct dhcp_msg *m = msg_new();
	uint8_t val[510], out[DHCP_MAX_LEN];
	int n;

	(void)state;
	memset(val, 'y', sizeof(val));
	dhcp_msg_init(m);
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, 43, val, sizeof(val)), 0);
	n = dhcp_msg_build(m, DHCP_MAX_LEN, out, sizeof(out));
	assert_int_equal(n, OFF_OPTIONS + 2 * 257 + 1);
	assert_int_equal(out[OFF_OPTIONS + 257], 43);
	assert_int_equal(out[OFF_OPTIONS + 258], 255);
	assert_int_equal(out[OFF_OPTIONS + 514], DHO_END);
	free(m);
}

/* ---- option 82 placement (RFC 3046 §2.1) ---- */

static void assert_agent_info_last(const uint8_t *out, size_t n)
{
	long end = wire_end(out, n);
	long at = wire_find(out, n, DHO_AGENT_INFO, OFF_OPTIONS);

	assert_true(end > 0);
	assert_true(at > 0);
	assert_int_equal(at + 2 + out[at + 1], end);
}

static void test_agent_info_parsed_mid_list_is_built_last_before_end(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPDISCOVER;
	static const uint8_t agent[] = { 1, 6, 'v', 'l', 'a', 'n', '1', '0' };
	uint8_t out[DHCP_MAX_LEN];
	int n;

	(void)state;
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(&p, DHO_AGENT_INFO, agent, sizeof(agent));
	put_opt_str(&p, DHO_VENDOR_CLASS, "PXEClient");
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_int_equal(n, (int)p.len);
	assert_agent_info_last(out, (size_t)n);
	/* Order of the others kept: 53, 60, 82, END. */
	assert_int_equal(out[OFF_OPTIONS], DHO_MESSAGE_TYPE);
	assert_int_equal(out[OFF_OPTIONS + 3], DHO_VENDOR_CLASS);
	assert_int_equal(parse_exact(m, out, (size_t)n), 0);
	assert_opt(m, DHO_AGENT_INFO, agent, sizeof(agent));
	free(m);
}

static void test_agent_info_set_before_other_options_is_still_last(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t agent[] = { 2, 2, 'h', '1' };
	uint8_t out[DHCP_MAX_LEN];
	int n;

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_AGENT_INFO, agent, sizeof(agent)), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_HOST_NAME, "late", 4), 0);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	assert_agent_info_last(out, (size_t)n);
	assert_true(wire_find(out, (size_t)n, DHO_HOST_NAME, OFF_OPTIONS) <
		    wire_find(out, (size_t)n, DHO_AGENT_INFO, OFF_OPTIONS));
	free(m);
}

static void test_agent_info_from_borrowed_file_field_is_built_last_in_options(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPOFFER, ov = 1;
	static const uint8_t agent[] = { 1, 3, 'e', 't', 'h' };
	uint8_t out[DHCP_MAX_LEN];
	size_t pos = OFF_FILE;
	int n;

	(void)state;
	put_header(&p, BOOTREPLY);
	field_opt(&p, &pos, DHO_BOOTFILE, "a.efi");
	p.b[pos++] = DHO_AGENT_INFO;
	p.b[pos++] = sizeof(agent);
	memcpy(p.b + pos, agent, sizeof(agent));
	pos += sizeof(agent);
	p.b[pos] = DHO_END;
	put_cookie(&p);
	put_opt(&p, DHO_MESSAGE_TYPE, &type, 1);
	put_opt(&p, DHO_OVERLOAD, &ov, 1);
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_opt(m, DHO_AGENT_INFO, agent, sizeof(agent));
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_true(n > 0);
	assert_agent_info_last(out, (size_t)n);
	assert_int_equal(wire_find(out, OFF_FILE + DHCP_FILE_LEN, DHO_AGENT_INFO, OFF_FILE), -1);
	free(m);
}

/* ---- editing ---- */

static void build_and_reparse(struct dhcp_msg *m, struct dhcp_msg *again)
{
	uint8_t out[DHCP_MAX_LEN];
	int n = dhcp_msg_build(m, DHCP_MAX_LEN, out, sizeof(out));

	assert_true(n > 0);
	assert_int_equal(parse_exact(again, out, (size_t)n), 0);
}

static void test_opt_set_grows_an_option_in_its_place(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new(), *again = msg_new();
	static const char longer[] = "PXEClient:Arch:00007:UNDI:003016:and-some-more";

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_VENDOR_CLASS, longer, strlen(longer)), 0);
	assert_opt_str(m, DHO_VENDOR_CLASS, longer);
	assert_int_equal(m->nopts, 5);
	assert_int_equal(m->index[DHO_VENDOR_CLASS], 4);
	build_and_reparse(m, again);
	assert_opt_str(again, DHO_VENDOR_CLASS, longer);
	assert_int_equal(again->index[DHO_VENDOR_CLASS], 4);
	/* The others are untouched. */
	assert_opt(again, DHO_PARAM_REQUEST_LIST, prl, sizeof(prl));
	free(m);
	free(again);
}

static void test_opt_set_shrinks_an_option_in_its_place(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new(), *again = msg_new();
	static const uint8_t short_prl[] = { 1, 3 };

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_PARAM_REQUEST_LIST, short_prl, 2), 0);
	assert_opt(m, DHO_PARAM_REQUEST_LIST, short_prl, 2);
	assert_int_equal(m->index[DHO_PARAM_REQUEST_LIST], 2);
	build_and_reparse(m, again);
	assert_opt(again, DHO_PARAM_REQUEST_LIST, short_prl, 2);
	assert_int_equal(again->index[DHO_PARAM_REQUEST_LIST], 2);
	assert_opt_str(again, DHO_VENDOR_CLASS, pxe_vendor_class);
	free(m);
	free(again);
}

static void test_opt_set_appends_a_new_option_after_the_others(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new(), *again = msg_new();
	static const uint8_t uuid[17] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_CLIENT_UUID, uuid, sizeof(uuid)), 0);
	assert_int_equal(m->nopts, 6);
	assert_int_equal(m->index[DHO_CLIENT_UUID], 5);
	assert_int_equal(m->opts[5].area, DHCP_AREA_OPTIONS);
	build_and_reparse(m, again);
	assert_int_equal(again->index[DHO_CLIENT_UUID], 5);
	assert_opt(again, DHO_CLIENT_UUID, uuid, sizeof(uuid));
	free(m);
	free(again);
}

static void test_opt_set_refuses_pad_and_end(void **state)
{
	struct dhcp_msg *m = msg_new();

	(void)state;
	dhcp_msg_init(m);
	assert_int_equal(dhcp_opt_set(m, DHO_PAD, "x", 1), -EINVAL);
	assert_int_equal(dhcp_opt_set(m, DHO_END, "x", 1), -EINVAL);
	assert_int_equal(m->nopts, 0);
	free(m);
}

static void test_opt_del_keeps_the_index_right_for_the_rest(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new(), *again = msg_new();
	static const uint8_t type = DHCPDISCOVER, maxsz[2] = { 0x05, 0xc0 }, arch[2] = { 0, 0 };

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	dhcp_opt_del(m, DHO_MAX_MESSAGE_SIZE);        /* second of five */
	assert_int_equal(m->nopts, 4);
	assert_false(dhcp_opt_has(m, DHO_MAX_MESSAGE_SIZE));
	assert_null(dhcp_opt_get(m, DHO_MAX_MESSAGE_SIZE, 0, 255, NULL));
	for (int i = 0; i < m->nopts; i++)
		assert_int_equal(m->index[m->opts[i].code], i);
	assert_opt(m, DHO_MESSAGE_TYPE, &type, 1);
	assert_opt(m, DHO_PARAM_REQUEST_LIST, prl, sizeof(prl));
	assert_opt(m, DHO_CLIENT_ARCH, arch, 2);
	assert_opt_str(m, DHO_VENDOR_CLASS, pxe_vendor_class);

	dhcp_opt_del(m, DHO_VENDOR_CLASS);            /* the last */
	dhcp_opt_del(m, DHO_MESSAGE_TYPE);            /* the first */
	dhcp_opt_del(m, DHO_HOST_NAME);               /* absent: no-op */
	assert_int_equal(m->nopts, 2);
	assert_int_equal(m->index[DHO_PARAM_REQUEST_LIST], 0);
	assert_int_equal(m->index[DHO_CLIENT_ARCH], 1);
	assert_int_equal(m->index[DHO_MESSAGE_TYPE], -1);
	assert_int_equal(m->index[DHO_VENDOR_CLASS], -1);
	assert_int_equal(dhcp_msg_type(m), 0);

	/* Set after delete: appended, and the built message agrees. */
	assert_int_equal(dhcp_opt_set(m, DHO_MAX_MESSAGE_SIZE, maxsz, 2), 0);
	assert_int_equal(m->index[DHO_MAX_MESSAGE_SIZE], 2);
	build_and_reparse(m, again);
	assert_int_equal(again->nopts, 3);
	assert_int_equal(again->opts[0].code, DHO_PARAM_REQUEST_LIST);
	assert_int_equal(again->opts[1].code, DHO_CLIENT_ARCH);
	assert_int_equal(again->opts[2].code, DHO_MAX_MESSAGE_SIZE);
	assert_opt(again, DHO_MAX_MESSAGE_SIZE, maxsz, 2);
	assert_opt(again, DHO_CLIENT_ARCH, arch, 2);
	free(m);
	free(again);
}

static void test_opt_set_reclaims_space_left_by_repeated_edits(void **state)
{
	/* Growing an option many times leaves old values behind in data;
	 * set must compact instead of failing while live data fits. */
	struct dhcp_msg *m = msg_new();
	static uint8_t val[1200];
	static const uint8_t type = DHCPOFFER;

	(void)state;
	dhcp_msg_init(m);
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &type, 1), 0);
	for (size_t len = 100; len <= sizeof(val); len += 50) {
		memset(val, (int)(len & 0xff), len);
		if (dhcp_opt_set(m, 43, val, len) != 0)
			fail_msg("set of %zu bytes failed", len);
		assert_opt(m, 43, val, len);
		assert_opt(m, DHO_MESSAGE_TYPE, &type, 1);
	}
	free(m);
}

static void test_opt_set_refuses_a_value_larger_than_the_message(void **state)
{
	struct dhcp_msg *m = msg_new();
	static uint8_t val[DHCP_MAX_LEN + 1];

	(void)state;
	dhcp_msg_init(m);
	assert_int_equal(dhcp_opt_set(m, 43, val, sizeof(val)), -EMSGSIZE);
	assert_false(dhcp_opt_has(m, 43));
	free(m);
}

/* ---- size limits ---- */

static void test_build_fails_with_emsgsize_when_options_exceed_576(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t val[400], out[DHCP_MAX_LEN];

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	memset(val, 'b', sizeof(val));
	assert_int_equal(dhcp_opt_set(m, 43, val, sizeof(val)), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), -EMSGSIZE);
	/* A larger limit (option 57 of 1472) takes it. */
	assert_true(dhcp_msg_build(m, 1472, out, sizeof(out)) > DHCP_DEFAULT_MAX);
	free(m);
}

static void test_build_fits_exactly_576_bytes_but_not_one_more(void **state)
{
	struct dhcp_msg *m = msg_new();
	static const uint8_t type = DHCPOFFER;
	uint8_t big[255], out[DHCP_MAX_LEN];
	/* 240 + 53(3) + 43(2+255) + 60(2+x) + END(1) = 576 */
	size_t x = DHCP_DEFAULT_MAX - OFF_OPTIONS - 3 - 257 - 2 - 1;
	uint8_t fill[255];
	int n;

	(void)state;
	memset(big, 'a', sizeof(big));
	memset(fill, 'c', sizeof(fill));
	dhcp_msg_init(m);
	m->has_cookie = true;
	assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &type, 1), 0);
	assert_int_equal(dhcp_opt_set(m, 43, big, sizeof(big)), 0);
	assert_int_equal(dhcp_opt_set(m, DHO_VENDOR_CLASS, fill, x), 0);
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_int_equal(n, DHCP_DEFAULT_MAX);
	assert_int_equal(out[DHCP_DEFAULT_MAX - 1], DHO_END);
	/* One more byte leaves no room for END. */
	assert_int_equal(dhcp_opt_set(m, DHO_VENDOR_CLASS, fill, x + 1), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out)), -EMSGSIZE);
	free(m);
}

static void test_padding_never_exceeds_max_len(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static uint8_t out[DHCP_MAX_LEN + 64];
	int n;

	(void)state;
	make_discover(&p);
	pad_to(&p, 1200);             /* a sender that padded to 1200 */
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(m->wire_len, 1200);
	memset(out, 0xee, sizeof(out));
	n = dhcp_msg_build(m, DHCP_DEFAULT_MAX, out, sizeof(out));
	assert_int_equal(n, DHCP_DEFAULT_MAX);
	assert_int_equal(out[DHCP_DEFAULT_MAX], 0xee);   /* nothing written past it */
	assert_memory_equal(out, p.b, DHCP_DEFAULT_MAX);
	/* Under a larger limit the sender's length is kept. */
	n = dhcp_msg_build(m, 1500, out, sizeof(out));
	assert_int_equal(n, 1200);
	assert_memory_equal(out, p.b, 1200);
	free(m);
}

static void test_build_never_writes_past_outsz(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t *out;
	size_t need;
	int n, want;

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	need = p.opt_end[p.nopt - 1] + 1;     /* up to and including END */
	/* Every output size from none to enough, in an exact heap buffer:
	 * -EMSGSIZE until END fits, then the message padded up to outsz. */
	for (size_t sz = 0; sz <= p.len + 1; sz++) {
		out = malloc(sz ? sz : 1);
		assert_non_null(out);
		n = dhcp_msg_build(m, DHCP_MAX_LEN, out, sz);
		want = sz < need ? -EMSGSIZE : (int)(sz < p.len ? sz : p.len);
		if (n != want)
			fail_msg("outsz %zu: got %d, want %d", sz, n, want);
		if (n > 0)
			assert_memory_equal(out, p.b, (size_t)n);
		free(out);
	}
	free(m);
}

static void test_build_with_max_len_below_the_header_is_emsgsize(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	uint8_t out[DHCP_MAX_LEN];

	(void)state;
	make_discover(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_build(m, DHCP_HDR_LEN - 1, out, sizeof(out)), -EMSGSIZE);
	assert_int_equal(dhcp_msg_build(m, 0, out, sizeof(out)), -EMSGSIZE);
	free(m);
}

/* ---- message type ---- */

static void test_msg_type_zero_when_option_53_missing_or_malformed(void **state)
{
	struct pkt p;
	struct dhcp_msg *m = msg_new();
	static const uint8_t two[2] = { 1, 1 };

	(void)state;
	/* Missing. */
	put_header(&p, BOOTREQUEST);
	put_cookie(&p);
	put_opt_str(&p, DHO_HOST_NAME, "pc");
	put_end(&p);
	assert_int_equal(parse_exact(m, p.b, p.len), 0);
	assert_int_equal(dhcp_msg_type(m), 0);
	/* Out of range values: 0, 9, 255. */
	dhcp_opt_set(m, DHO_MESSAGE_TYPE, "\0", 1);
	assert_int_equal(dhcp_msg_type(m), 0);
	dhcp_opt_set(m, DHO_MESSAGE_TYPE, "\x09", 1);
	assert_int_equal(dhcp_msg_type(m), 0);
	dhcp_opt_set(m, DHO_MESSAGE_TYPE, "\xff", 1);
	assert_int_equal(dhcp_msg_type(m), 0);
	/* Wrong length: two bytes or none. */
	dhcp_opt_set(m, DHO_MESSAGE_TYPE, two, 2);
	assert_int_equal(dhcp_msg_type(m), 0);
	dhcp_opt_del(m, DHO_MESSAGE_TYPE);
	dhcp_opt_set(m, DHO_MESSAGE_TYPE, "", 0);
	assert_int_equal(dhcp_msg_type(m), 0);
	free(m);
}

static void test_msg_type_reads_every_valid_type(void **state)
{
	struct dhcp_msg *m = msg_new();

	(void)state;
	dhcp_msg_init(m);
	for (uint8_t t = DHCPDISCOVER; t <= DHCPINFORM; t++) {
		assert_int_equal(dhcp_opt_set(m, DHO_MESSAGE_TYPE, &t, 1), 0);
		assert_int_equal(dhcp_msg_type(m), t);
	}
	assert_string_equal(dhcp_msg_type_name(DHCPDISCOVER), "DHCPDISCOVER");
	assert_string_equal(dhcp_msg_type_name(DHCPINFORM), "DHCPINFORM");
	assert_string_equal(dhcp_msg_type_name(0), "BOOTP");
	assert_string_equal(dhcp_msg_type_name(9), "?");
	assert_string_equal(dhcp_msg_type_name(-1), "?");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_discover_reads_every_header_field),
		cmocka_unit_test(test_parse_header_addresses_stay_in_network_order),
		cmocka_unit_test(test_parse_discover_reads_every_option_in_wire_order),
		cmocka_unit_test(test_opt_get_enforces_the_stated_length_range),
		cmocka_unit_test(test_pad_options_between_options_are_skipped),
		cmocka_unit_test(test_bytes_after_end_are_not_options),
		cmocka_unit_test(test_zero_length_option_is_kept),
		cmocka_unit_test(test_round_trip_discover_is_byte_identical_with_padding),
		cmocka_unit_test(test_round_trip_keeps_padding_of_a_short_message),
		cmocka_unit_test(test_round_trip_unpadded_message_stays_unpadded),
		cmocka_unit_test(test_plain_bootp_without_cookie_round_trips_byte_for_byte),
		cmocka_unit_test(test_header_only_message_is_plain_bootp),
		cmocka_unit_test(test_truncation_at_every_offset_never_crashes_and_is_classified),
		cmocka_unit_test(test_truncated_header_is_ebadmsg),
		cmocka_unit_test(test_cut_inside_an_option_is_ebadmsg),
		cmocka_unit_test(test_option_length_running_past_the_end_is_ebadmsg),
		cmocka_unit_test(test_options_field_without_end_is_accepted),
		cmocka_unit_test(test_message_longer_than_max_len_is_emsgsize),
		cmocka_unit_test(test_overload_1_options_in_file_parsed_and_rebuilt_in_file),
		cmocka_unit_test(test_overload_2_options_in_sname_parsed_and_rebuilt_in_sname),
		cmocka_unit_test(test_overload_3_options_in_file_and_sname_parsed_and_rebuilt),
		cmocka_unit_test(test_rfc3046_overload_option_kept_when_borrowed_fields_empty_after_delete),
		cmocka_unit_test(test_rfc3046_overload_option_kept_when_one_field_empties),
		cmocka_unit_test(test_rfc3396_split_option_keeps_the_senders_layout),
		cmocka_unit_test(test_rfc3396_split_option_edited_goes_to_the_options_field),
		cmocka_unit_test(test_rfc3046_relay_keeps_the_clients_overload_option),
		cmocka_unit_test(test_overload_option_inside_file_field_is_rejected),
		cmocka_unit_test(test_overload_option_inside_sname_field_is_rejected),
		cmocka_unit_test(test_overload_option_with_bad_value_is_rejected),
		cmocka_unit_test(test_overload_option_with_bad_length_is_rejected),
		cmocka_unit_test(test_option_cut_inside_borrowed_file_field_is_ebadmsg),
		cmocka_unit_test(test_two_instances_of_an_option_are_concatenated),
		cmocka_unit_test(test_instances_in_options_file_and_sname_concatenate_in_that_order),
		cmocka_unit_test(test_builder_splits_values_longer_than_255_bytes),
		cmocka_unit_test(test_builder_keeps_a_255_byte_value_in_one_instance),
		cmocka_unit_test(test_builder_splits_510_bytes_into_exactly_two_instances),
		cmocka_unit_test(test_agent_info_parsed_mid_list_is_built_last_before_end),
		cmocka_unit_test(test_agent_info_set_before_other_options_is_still_last),
		cmocka_unit_test(test_agent_info_from_borrowed_file_field_is_built_last_in_options),
		cmocka_unit_test(test_opt_set_grows_an_option_in_its_place),
		cmocka_unit_test(test_opt_set_shrinks_an_option_in_its_place),
		cmocka_unit_test(test_opt_set_appends_a_new_option_after_the_others),
		cmocka_unit_test(test_opt_set_refuses_pad_and_end),
		cmocka_unit_test(test_opt_del_keeps_the_index_right_for_the_rest),
		cmocka_unit_test(test_opt_set_reclaims_space_left_by_repeated_edits),
		cmocka_unit_test(test_opt_set_refuses_a_value_larger_than_the_message),
		cmocka_unit_test(test_build_fails_with_emsgsize_when_options_exceed_576),
		cmocka_unit_test(test_build_fits_exactly_576_bytes_but_not_one_more),
		cmocka_unit_test(test_padding_never_exceeds_max_len),
		cmocka_unit_test(test_build_never_writes_past_outsz),
		cmocka_unit_test(test_build_with_max_len_below_the_header_is_emsgsize),
		cmocka_unit_test(test_msg_type_zero_when_option_53_missing_or_malformed),
		cmocka_unit_test(test_msg_type_reads_every_valid_type),
	};

	return cmocka_run_group_tests_name("dhcp_msg", tests, NULL, NULL);
}
