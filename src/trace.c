/* trace.c - see trace.h. */
#include "trace.h"
#include "frame.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define TRACE_SNAPLEN 65535

struct trace {
	pcap_t *dead;
	pcap_dumper_t *dump;
	uint8_t buf[TRACE_SNAPLEN];
};

struct trace *trace_open(const char *path, char *err, size_t errlen)
{
	struct trace *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->dead = pcap_open_dead(DLT_LINUX_SLL2, TRACE_SNAPLEN);
	if (t->dead)
		t->dump = pcap_dump_open(t->dead, path);
	if (!t->dump) {
		snprintf(err, errlen, "trace file %s: %s", path,
			 t->dead ? pcap_geterr(t->dead) : "pcap_open_dead failed");
		if (t->dead)
			pcap_close(t->dead);
		free(t);
		return NULL;
	}
	return t;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	pcap_dump_close(t->dump);
	pcap_close(t->dead);
	free(t);
}

static void write_frame(struct trace *t, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;

	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)t->dump, &h, frame);
	/* One packet at a time: whoever reads the trace sees it now. */
	pcap_dump_flush(t->dump);
}

void trace_sll2(struct trace *t, const uint8_t *frame, size_t len)
{
	if (t)
		write_frame(t, frame, len);
}

void trace_udp(struct trace *t, int ifindex, uint8_t pkttype, uint32_t src, uint32_t dst,
	       uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
	int n;

	if (!t)
		return;
	n = frame_build_sll2_udp(t->buf, sizeof(t->buf), ifindex, pkttype, NULL, src, dst,
				 sport, dport, payload, len);
	if (n > 0)
		write_frame(t, t->buf, (size_t)n);
}

void trace_udp6(struct trace *t, int ifindex, uint8_t pkttype, const uint8_t src[16],
		const uint8_t dst[16], uint16_t sport, uint16_t dport, const uint8_t *payload,
		size_t len)
{
	int n;

	if (!t)
		return;
	n = frame_build_sll2_udp6(t->buf, sizeof(t->buf), ifindex, pkttype, src, dst, sport,
				  dport, payload, len);
	if (n > 0)
		write_frame(t, t->buf, (size_t)n);
}

void trace_ether(struct trace *t, int ifindex, const uint8_t *frame, size_t len)
{
	if (!t || len < 14 || len - 14 + SLL2_HDR_LEN > sizeof(t->buf))
		return;
	/* Ethernet header -> SLL2 header: type, ifindex, outgoing, source MAC. */
	memset(t->buf, 0, SLL2_HDR_LEN);
	memcpy(t->buf, frame + 12, 2);
	t->buf[4] = (uint8_t)((uint32_t)ifindex >> 24);
	t->buf[5] = (uint8_t)((uint32_t)ifindex >> 16);
	t->buf[6] = (uint8_t)((uint32_t)ifindex >> 8);
	t->buf[7] = (uint8_t)ifindex;
	t->buf[9] = 1;
	t->buf[10] = SLL2_OUTGOING;
	t->buf[11] = 6;
	memcpy(t->buf + 12, frame + 6, 6);
	memcpy(t->buf + SLL2_HDR_LEN, frame + 14, len - 14);
	write_frame(t, t->buf, len - 14 + SLL2_HDR_LEN);
}
