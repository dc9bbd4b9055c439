/* fuzz_dhcp_msg.c - the BOOTP/DHCP codec: parse, build, parse again.
 *
 * Input: one message as it comes off the wire (UDP payload).
 *
 * 1. dhcp_msg_parse on the bytes; a message that does not parse ends here.
 * 2. Round trip: dhcp_msg_build at 576, 1472 and DHCP_MAX_LEN (and once
 *    into a 300-byte buffer), then parse the output again. The header, the
 *    option set and every value must come back; option 52 is the builder's
 *    to recompute; option 82 must be the last option before END. And what
 *    parses must build again when there is room for it: at most the two
 *    borrowed fields (192 bytes) move into the options field, plus END.
 * 3. Edits: the last bytes of the input, read backwards, are a short script
 *    of dhcp_opt_set/dhcp_opt_del calls. After each call the options the
 *    call did not name are unchanged, and the named one holds what was set
 *    (or is gone). The edited message goes through the round trip again.
 */
#include "dhcp_msg.h"
#include "fuzz_util.h"

#include <errno.h>

/* Areas (bit 0 file, bit 1 sname) that options of m were read from.
 * with_agent: count option 82 too (the builder moves it to the options
 * field, but still counts the field it came from). */
FUZZ_NO_COV static uint8_t borrowed_areas(const struct dhcp_msg *m, bool with_agent)
{
	uint8_t mask = 0;

	for (unsigned i = 0; i < m->nopts; i++) {
		if (m->opts[i].code == DHO_AGENT_INFO && !with_agent)
			continue;
		if (m->opts[i].code == DHO_OVERLOAD)
			continue;
		if (dhcp_opt_split(&m->opts[i]))
			mask |= (m->opts[i].part[DHCP_AREA_FILE] ? 1 : 0) |
				(m->opts[i].part[DHCP_AREA_SNAME] ? 2 : 0);
		else if (m->opts[i].area == DHCP_AREA_FILE)
			mask |= 1;
		else if (m->opts[i].area == DHCP_AREA_SNAME)
			mask |= 2;
	}
	return mask;
}

/* back was parsed from what dhcp_msg_build made of m. */
FUZZ_NO_COV static void check_same_options(const struct dhcp_msg *m, const struct dhcp_msg *back)
{
	uint8_t need = borrowed_areas(m, false), may = borrowed_areas(m, true);
	const uint8_t *ov, *sent = dhcp_opt_get(m, DHO_OVERLOAD, 1, 1, NULL);

	fuzz_check_same_options_except(m, back, DHO_OVERLOAD, -1);
	for (unsigned i = 0; i < m->nopts; i++) {
		const struct dhcp_option *o = &m->opts[i];
		int k = back->index[o->code];

		if (o->code == DHO_OVERLOAD)
			continue;
		/* RFC 3046 §2.1: option 82 always lands in the options field;
		 * everything else stays in the field it was read from. */
		if (o->code == DHO_AGENT_INFO) {
			FUZZ_CHECK(back->opts[k].area == DHCP_AREA_OPTIONS);
		} else {
			FUZZ_CHECK(back->opts[k].area == o->area);
			/* RFC 3396: a value split across fields comes back
			 * split the same way. */
			FUZZ_CHECK(dhcp_opt_split(&back->opts[k]) == dhcp_opt_split(o));
			if (dhcp_opt_split(o))
				FUZZ_CHECK(memcmp(back->opts[k].part, o->part, sizeof(o->part)) == 0);
		}
	}

	/* Option 52 says which header fields carry options (RFC 2131 §4.1):
	 * present when some field holds an option other than 82 (which the
	 * builder always writes in the options field), naming those fields;
	 * the sender's value (the fields it named that were read as options)
	 * stays while it names every field in use (RFC 3046 2.1: a relay does
	 * not modify it). */
	(void)may;
	if (sent && (*sent & m->overload_read) && (need & ~(*sent & m->overload_read)) == 0)
		need = *sent & m->overload_read;
	ov = dhcp_opt_get(back, DHO_OVERLOAD, 1, 1, NULL);
	if (need == 0) {
		FUZZ_CHECK(!dhcp_opt_has(back, DHO_OVERLOAD));
	} else {
		FUZZ_CHECK(ov != NULL);
		FUZZ_CHECK(*ov == need);
	}
}

static void check_round_trip(const struct dhcp_msg *m, size_t max_len, size_t outsz)
{
	static uint8_t out[DHCP_MAX_LEN + 64];
	static struct dhcp_msg back;
	size_t cap = max_len < outsz ? max_len : outsz;
	int n;

	FUZZ_CHECK(outsz + 64 <= sizeof(out));
	memset(out + outsz, 0xa5, 64);
	n = dhcp_msg_build(m, max_len, out, outsz);
	for (size_t i = 0; i < 64; i++)
		FUZZ_CHECK(out[outsz + i] == 0xa5);   /* nothing past outsz */
	if (n < 0) {
		FUZZ_CHECK(n == -EMSGSIZE);
		return;
	}
	FUZZ_CHECK((size_t)n >= DHCP_HDR_LEN && (size_t)n <= cap);
	FUZZ_CHECK(dhcp_msg_parse(&back, out, (size_t)n) == 0);
	fuzz_check_msg_index(&back);
	FUZZ_CHECK(back.wire_len == n);
	fuzz_check_same_header(m, &back);
	FUZZ_CHECK(back.has_cookie == m->has_cookie);
	if (!m->has_cookie) {
		/* Plain BOOTP: the vendor area goes out as it came in. */
		FUZZ_CHECK(back.data_len == m->data_len);
		FUZZ_CHECK(memcmp(back.data, m->data, m->data_len) == 0);
		return;
	}
	check_same_options(m, &back);
	FUZZ_CHECK(fuzz_options_field_ok(out, (size_t)n));
	/* The sender's padding is kept, up to the limit. */
	FUZZ_CHECK((size_t)n >= (m->wire_len < cap ? m->wire_len : cap));
}

static void round_trips(const struct dhcp_msg *m)
{
	check_round_trip(m, DHCP_DEFAULT_MAX, DHCP_MAX_LEN);
	check_round_trip(m, 1472, DHCP_MAX_LEN);
	check_round_trip(m, DHCP_MAX_LEN, DHCP_MAX_LEN);
	check_round_trip(m, DHCP_MAX_LEN, 300);   /* buffer smaller than the limit */
}

/* Relative order of the options other than code is kept by an edit. */
FUZZ_NO_COV static void check_order_kept(const struct dhcp_msg *before, const struct dhcp_msg *after,
			     uint8_t code)
{
	unsigned j = 0;

	for (unsigned i = 0; i < before->nopts; i++) {
		if (before->opts[i].code == code)
			continue;
		while (j < after->nopts && after->opts[j].code == code)
			j++;
		FUZZ_CHECK(j < after->nopts);
		FUZZ_CHECK(after->opts[j].code == before->opts[i].code);
		j++;
	}
}

FUZZ_NO_COV static void check_edit(const struct dhcp_msg *before, const struct dhcp_msg *after,
		       uint8_t code, bool del, int r, const uint8_t *val, size_t len)
{
	fuzz_check_msg_index(after);
	fuzz_check_same_options_except(before, after, code, -1);
	check_order_kept(before, after, code);
	if (del) {
		FUZZ_CHECK(!dhcp_opt_has(after, code));
		return;
	}
	if (code == DHO_PAD || code == DHO_END)
		FUZZ_CHECK(r == -EINVAL);
	if (r == 0) {
		size_t got_len = 0;
		const uint8_t *got = dhcp_opt_get(after, code, 0, SIZE_MAX, &got_len);

		FUZZ_CHECK(got != NULL && got_len == len);
		FUZZ_CHECK(len == 0 || memcmp(got, val, len) == 0);
		FUZZ_CHECK(after->wire_len == before->wire_len);
	} else {
		FUZZ_CHECK(r == -EINVAL || r == -EMSGSIZE || r == -ENOSPC);
		FUZZ_CHECK(fuzz_same_option(before, after, code));
	}
}

/* Up to 8 edits, three bytes each, read backwards from the end:
 *   op:   bit 0 delete (else set), bits 1-2 value length / 256
 *   code: option code
 *   len:  value length % 256
 * The value is the input from its start, repeated to the length. */
static void run_edits(struct dhcp_msg *m, const uint8_t *data, size_t size)
{
	static struct dhcp_msg before;
	static uint8_t val[1024];
	size_t nedits, at = size;

	if (size < 4)
		return;
	nedits = data[--at] % 9;
	for (size_t k = 0; k < nedits && at >= 3; k++) {
		uint8_t op = data[--at], code = data[--at], lo = data[--at];
		size_t len = (size_t)((op >> 1) & 3) << 8 | lo;
		bool del = op & 1;
		int r = 0;

		for (size_t i = 0; i < len; i++)
			val[i] = data[i % size];
		before = *m;
		if (del)
			dhcp_opt_del(m, code);
		else
			r = dhcp_opt_set(m, code, val, len);
		check_edit(&before, m, code, del, r, val, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	int r = dhcp_msg_parse(&m, data, size);

	if (r < 0) {
		FUZZ_CHECK(r == -EBADMSG || r == -EMSGSIZE);
		return 0;
	}
	FUZZ_CHECK(size >= DHCP_HDR_LEN && size <= DHCP_MAX_LEN);
	FUZZ_CHECK(m.wire_len == size);
	fuzz_check_msg_index(&m);
	(void)dhcp_msg_type_name(dhcp_msg_type(&m));

	/* Parse, edit the struct, rebuild (STYLE 3): the relay can only
	 * forward what the builder can write back. */
	if (size + DHCP_SNAME_LEN + DHCP_FILE_LEN + 8 <= DHCP_MAX_LEN) {
		static uint8_t out[DHCP_MAX_LEN];

		FUZZ_CHECK(dhcp_msg_build(&m, DHCP_MAX_LEN, out, sizeof(out)) > 0);
	}
	round_trips(&m);

	run_edits(&m, data, size);
	/* A plain BOOTP message has no options field: what set/del do to it
	 * is not specified, so only the cookie case is held to the round
	 * trip after edits (the build still runs, for the sanitizers). */
	if (m.has_cookie) {
		round_trips(&m);
	} else {
		static uint8_t out[DHCP_MAX_LEN];

		(void)dhcp_msg_build(&m, DHCP_MAX_LEN, out, sizeof(out));
	}
	return 0;
}
