/* capture.c - see capture.h. */
#include "capture.h"
#include "log.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Inbound only (our own forwarded requests leave as outbound), UDP to the
 * server port, BOOTP op 1. libpcap adds the fragment-offset test that
 * "udp[8]" needs. */
#define CAPTURE_FILTER "inbound and udp dst port 67 and udp[8] = 1"
/* With DHCPv6: also client messages and Relay-forwards to UDP 547 over
 * IPv6 (with no extension header, the msg-type is ip6[48]); the servers'
 * Relay-replies (13) are the DHCPv6 socket's. */
#define CAPTURE_FILTER6 "inbound and ((ip and udp dst port 67 and udp[8] = 1) or " \
			"(ip6 and udp dst port 547 and ip6[48] != 13))"

struct capture {
	pcap_t *p;
	int fd;
	capture_cb cb;
	void *user;
};

struct capture *capture_open_any(int buffer_bytes, bool dhcp6, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct capture *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->p = pcap_create("any", perr);
	if (!c->p)
		goto fail;
	/* A BOOTREQUEST in a 1500-byte packet plus the cooked header fits;
	 * at 1900 a ring frame (with libpcap's header) stays within 2 KiB,
	 * two to a page, so the ring holds twice the frames it would at
	 * 2048. */
	if (pcap_set_snaplen(c->p, CAPTURE_SNAPLEN) || pcap_set_immediate_mode(c->p, 1) ||
	    pcap_set_buffer_size(c->p, buffer_bytes) || pcap_set_timeout(c->p, 100))
		goto pfail;
	if (pcap_activate(c->p) < 0)
		goto pfail;
	if (pcap_set_datalink(c->p, DLT_LINUX_SLL2) < 0)
		goto pfail;
	/* Inbound only, in the kernel: with PACKET_IGNORE_OUTGOING every
	 * frame this host sends is not even copied to the capture; where the
	 * kernel lacks it, the filter's "inbound" drops them. */
	{
		int one = 1;

		if (setsockopt(pcap_fileno(c->p), SOL_PACKET, PACKET_IGNORE_OUTGOING,
			       &one, sizeof(one)) < 0)
			log_debug("capture: PACKET_IGNORE_OUTGOING: %s (filtered instead)",
				  strerror(errno));
	}
	if (pcap_compile(c->p, &prog, dhcp6 ? CAPTURE_FILTER6 : CAPTURE_FILTER, 1,
			 PCAP_NETMASK_UNKNOWN) < 0)
		goto pfail;
	if (pcap_setfilter(c->p, &prog) < 0) {
		pcap_freecode(&prog);
		goto pfail;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(c->p, 1, perr) < 0)
		goto fail;
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd < 0) {
		snprintf(perr, sizeof(perr), "no selectable descriptor");
		goto fail;
	}
	return c;
pfail:
	snprintf(perr, sizeof(perr), "%s", pcap_geterr(c->p));
fail:
	snprintf(err, errlen, "capture on any: %s", perr);
	if (c->p)
		pcap_close(c->p);
	free(c);
	return NULL;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	struct frame_info fi = { 0 };
	int r;

	/* Cut by the snap length: only a request over CAPTURE_SNAPLEN on a
	 * jumbo-frame link; refused as too big, not as malformed. The link
	 * is the SLL2 header's interface index (bytes 4..7). */
	if (h->caplen < h->len) {
		r = -EMSGSIZE;
		if (h->caplen >= 8)
			fi.ifindex = (int)((uint32_t)bytes[4] << 24 | (uint32_t)bytes[5] << 16 |
					   (uint32_t)bytes[6] << 8 | bytes[7]);
	} else {
		r = frame_parse_sll2(bytes, h->caplen, &fi);
	}

	c->cb(c->user, &fi, r);
}

int capture_dispatch(struct capture *c, int max, capture_cb cb, void *user)
{
	c->cb = cb;
	c->user = user;
	return pcap_dispatch(c->p, max, on_packet, (u_char *)c);
}

unsigned capture_kernel_drops(struct capture *c)
{
	struct pcap_stat st;

	if (pcap_stats(c->p, &st) < 0)
		return 0;
	return st.ps_drop;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	pcap_close(c->p);
	free(c);
}
