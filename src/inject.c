/* inject.c - see inject.h. */
#define _GNU_SOURCE
#include "inject.h"

#include <errno.h>
#include <libnet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define INJECT_BATCH 16
#define INJECT_FRAME_MAX 1600     /* Ethernet + IP + UDP + 1472, rounded up */

struct inject_queue {
	unsigned n;
	struct mmsghdr mh[INJECT_BATCH];
	struct iovec iov[INJECT_BATCH];
	struct sockaddr_ll to[INJECT_BATCH];
	uintptr_t tag[INJECT_BATCH];
	uint8_t frame[INJECT_BATCH][INJECT_FRAME_MAX];
};

struct inject {
	struct inject_queue q;
	libnet_t *ln;             /* builder only (LIBNET_NONE): owns no socket */
	int fd;                   /* AF_PACKET, protocol 0: sends, never receives */
	libnet_ptag_t udp, ip, eth;
	uint16_t ip_id;
	void (*observer)(void *user, int ifindex, const uint8_t *frame, size_t len);
	void *observer_user;
};

void inject_set_observer(struct inject *in,
			 void (*fn)(void *user, int ifindex, const uint8_t *frame, size_t len),
			 void *user)
{
	in->observer = fn;
	in->observer_user = user;
}

struct inject *inject_open(char *err, size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE];
	struct inject *in = calloc(1, sizeof(*in));

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->ln = libnet_init(LIBNET_NONE, NULL, lerr);
	if (!in->ln) {
		snprintf(err, errlen, "libnet: %s", lerr);
		free(in);
		return NULL;
	}
	in->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (in->fd < 0) {
		snprintf(err, errlen, "AF_PACKET socket: %s", strerror(errno));
		libnet_destroy(in->ln);
		free(in);
		return NULL;
	}
	return in;
}

void inject_close(struct inject *in)
{
	if (!in)
		return;
	close(in->fd);
	libnet_destroy(in->ln);
	free(in);
}

/* Build the frame with libnet; *frame is libnet's, freed by the caller. */
static int build(struct inject *in, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		 uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		 const uint8_t *payload, size_t len, uint8_t **frame, uint32_t *flen)
{
	if (len > 65535 - LIBNET_IPV4_H - LIBNET_UDP_H)
		return -EMSGSIZE;
	/* The three headers are built once and updated in place (ptags). */
	in->udp = libnet_build_udp(sport, dport, (uint16_t)(LIBNET_UDP_H + len), 0,
				   payload, (uint32_t)len, in->ln, in->udp);
	in->ip = libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + LIBNET_UDP_H + len), 0x10,
				   in->ip_id++, 0, 64, IPPROTO_UDP, 0, src_ip, dst_ip,
				   NULL, 0, in->ln, in->ip);
	in->eth = libnet_build_ethernet(dst_mac, src_mac, ETHERTYPE_IP, NULL, 0,
					in->ln, in->eth);
	if (in->udp < 0 || in->ip < 0 || in->eth < 0) {
		libnet_clear_packet(in->ln);
		in->udp = in->ip = in->eth = 0;
		return -EINVAL;
	}
	if (libnet_pblock_coalesce(in->ln, frame, flen) < 0)
		return -ENOMEM;
	return 0;
}

static struct sockaddr_ll dest(int ifindex, const uint8_t dst_mac[6])
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, dst_mac, 6);
	return sll;
}

static int send_one(struct inject *in, int ifindex, const uint8_t dst_mac[6],
		    const uint8_t *frame, uint32_t flen)
{
	struct sockaddr_ll sll = dest(ifindex, dst_mac);
	ssize_t n = sendto(in->fd, frame, flen, 0, (struct sockaddr *)&sll, sizeof(sll));

	if (n < 0)
		return -errno;
	if ((uint32_t)n != flen)
		return -EIO;
	if (in->observer)
		in->observer(in->observer_user, ifindex, frame, flen);
	return 0;
}

void inject_flush(struct inject *in, inject_done_fn done, void *user)
{
	struct inject_queue *q = &in->q;
	unsigned i = 0;

	while (i < q->n) {
		int r = sendmmsg(in->fd, &q->mh[i], q->n - i, MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			done(user, q->tag[i], -errno);
			i++;
			continue;
		}
		for (int k = 0; k < r; k++, i++) {
			if (in->observer)
				in->observer(in->observer_user, q->to[i].sll_ifindex,
					     q->frame[i], q->iov[i].iov_len);
			done(user, q->tag[i], 0);
		}
	}
	q->n = 0;
}

int inject_udp_queued(struct inject *in, int ifindex,
		      const uint8_t src_mac[6], const uint8_t dst_mac[6],
		      uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		      const uint8_t *payload, size_t len, uintptr_t tag,
		      inject_done_fn done, void *user)
{
	struct inject_queue *q = &in->q;
	uint8_t *frame;
	uint32_t flen;
	unsigned i;
	int r = build(in, src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload, len,
		      &frame, &flen);

	if (r < 0)
		return r;
	if (flen > INJECT_FRAME_MAX) {
		r = send_one(in, ifindex, dst_mac, frame, flen);
		free(frame);
		done(user, tag, r);
		return 0;
	}
	if (q->n == INJECT_BATCH)
		inject_flush(in, done, user);
	i = q->n++;
	memcpy(q->frame[i], frame, flen);
	free(frame);
	q->to[i] = dest(ifindex, dst_mac);
	q->iov[i] = (struct iovec){ q->frame[i], flen };
	q->mh[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &q->to[i],
						  .msg_namelen = sizeof(q->to[i]),
						  .msg_iov = &q->iov[i], .msg_iovlen = 1 } };
	q->tag[i] = tag;
	return 0;
}
