/* fuzz_frame.c - captured frames: Linux cooked v2 (SLL2, the "any"
 * device), cooked v1 (SLL) and Ethernet, and IPv4 packets as the raw
 * reply socket reads them, each down to the UDP payload.
 *
 * The same bytes go through all four parsers. On success the payload
 * lies inside the input and the fields are plausible (an SLL2 frame has an
 * ifindex, an Ethernet frame does not); the payload is then handed to the
 * DHCP codec, as the capture path does. */
#include "frame.h"
#include "dhcp_msg.h"
#include "fuzz_util.h"

#include <errno.h>

FUZZ_NO_COV static void check_frame(int r, const uint8_t *data, size_t size, const struct frame_info *fi)
{
	static struct dhcp_msg m;

	if (r < 0) {
		FUZZ_CHECK(r == -EBADMSG || r == -EPROTONOSUPPORT);
		return;
	}
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(fi->payload != NULL);
	FUZZ_CHECK(fi->payload >= data && fi->payload <= data + size);
	FUZZ_CHECK(fi->payload_len <= size);
	FUZZ_CHECK((size_t)(fi->payload - data) + fi->payload_len <= size);
	/* IPv4 header (20) and UDP header (8) at least precede it. */
	FUZZ_CHECK((size_t)(fi->payload - data) >= 28);
	(void)dhcp_msg_parse(&m, fi->payload, fi->payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_info fi;
	int r;

	r = frame_parse_sll2(data, size, &fi);
	check_frame(r, data, size, &fi);
	if (r == 0) {
		FUZZ_CHECK(fi.ifindex > 0);
		FUZZ_CHECK((size_t)(fi.payload - data) >= 20 + 28);
	}

	r = frame_parse_sll(data, size, &fi);
	check_frame(r, data, size, &fi);
	if (r == 0)
		FUZZ_CHECK((size_t)(fi.payload - data) >= 16 + 28);

	r = frame_parse_ipv4(data, size, &fi);
	check_frame(r, data, size, &fi);
	if (r == 0) {
		FUZZ_CHECK(fi.ifindex == 0);
		FUZZ_CHECK(fi.frame == data && fi.frame_len == size);
	}

	r = frame_parse_ether(data, size, &fi);
	check_frame(r, data, size, &fi);
	if (r == 0) {
		FUZZ_CHECK(fi.ifindex == 0);
		FUZZ_CHECK((size_t)(fi.payload - data) >= 14 + 28);
	}
	return 0;
}
