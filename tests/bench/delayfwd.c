/*
 * tests/bench/delayfwd.c - a transparent Ethernet delay line for the TFTP
 * benchmark (tests/bench/tftp.sh): the kernel here has no netem.
 *
 *   delayfwd -a IFACE -b IFACE -d MS [-q FRAMES]
 *
 * Runs in a namespace of its own between two veth ends A and B (no address
 * on either).  Every frame that arrives on A is sent out of B, and every
 * frame that arrives on B out of A, MS milliseconds after it arrived (a
 * fractional MS is allowed; 0 forwards at once).  One AF_PACKET socket per
 * side (promiscuous, outgoing frames ignored) reads the frames; each
 * direction has its own FIFO of at most FRAMES frames (default 4096), so
 * the order is kept; a frame that finds its FIFO full is dropped and
 * counted, as one larger than a queue slot is.  A single timerfd, armed
 * for the earliest due frame of both FIFOs, says when to send: no sleep
 * per packet.
 *
 * Frames are read and written with PACKET_VNET_HDR: a frame a local stack
 * sent through a veth still has its UDP/TCP checksum to be filled in
 * (CHECKSUM_PARTIAL); the virtio-net header carries that fact across, and
 * the kernel completes the checksum when the frame is sent on the other
 * side.  Without it the receiver would drop every such datagram.
 *
 * Prints "delayfwd: ready ..." once both sockets are bound, its counters
 * per direction on SIGUSR1 and when it ends (SIGTERM, SIGINT).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* A queue slot: the virtio-net header and a frame of up to a 1500-byte MTU
 * with VLAN tags to spare.  A GSO super-frame does not fit and is dropped
 * (counted): the benchmark carries UDP, ICMP and ARP only. */
#define SLOT 2048
#define VNET_LEN ((unsigned)sizeof(struct virtio_net_hdr))
#define BATCH 256

struct dir {
	const char *name;          /* "a->b" */
	int in_fd, out_fd, out_ifindex;
	unsigned char *data;       /* cap slots of SLOT bytes */
	uint64_t *due_ns;
	uint32_t *len;
	unsigned cap, head, n;
	uint64_t received, forwarded, dropped_full, dropped_oversize, send_errors;
	unsigned max_queued;
};

static volatile sig_atomic_t stop_flag, stats_flag;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_flag = 1;
	else
		stop_flag = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "delayfwd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_side(const char *ifname, int *ifindex)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1, rcvbuf = 8 << 20;

	*ifindex = (int)if_nametoindex(ifname);
	if (*ifindex == 0) {
		fprintf(stderr, "delayfwd: no interface %s\n", ifname);
		exit(1);
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		die("PACKET_VNET_HDR");
	/* Our own sends on this interface are not frames to forward back.  Old
	 * kernels lack the option; the packet type is checked on receipt too. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind");
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = *ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		die("PACKET_MR_PROMISC");
	return fd;
}

static void dir_init(struct dir *d, const char *name, int in_fd, int out_fd, int out_ifindex,
		     unsigned cap)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->in_fd = in_fd;
	d->out_fd = out_fd;
	d->out_ifindex = out_ifindex;
	d->cap = cap;
	d->data = malloc((size_t)cap * SLOT);
	d->due_ns = calloc(cap, sizeof(*d->due_ns));
	d->len = calloc(cap, sizeof(*d->len));
	if (!d->data || !d->due_ns || !d->len) {
		fprintf(stderr, "delayfwd: out of memory for %u frames\n", cap);
		exit(1);
	}
}

/* Read what is waiting on the input side (at most BATCH frames) into the
 * FIFO, each due delay_ns after now. */
static void dir_read(struct dir *d, uint64_t delay_ns)
{
	unsigned char buf[65536 + 64];

	for (int i = 0; i < BATCH; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(d->in_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fl);
		unsigned slot;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			die("recvfrom");
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		d->received++;
		if ((size_t)r > SLOT || (size_t)r < VNET_LEN + 14) {
			d->dropped_oversize++;
			continue;
		}
		if (d->n == d->cap) {
			d->dropped_full++;
			continue;
		}
		slot = (d->head + d->n) % d->cap;
		memcpy(d->data + (size_t)slot * SLOT, buf, (size_t)r);
		d->len[slot] = (uint32_t)r;
		d->due_ns[slot] = now_ns() + delay_ns;
		d->n++;
		if (d->n > d->max_queued)
			d->max_queued = d->n;
	}
}

/* Send every frame at the head of the FIFO whose time has come. */
static void dir_flush(struct dir *d, uint64_t now)
{
	while (d->n && d->due_ns[d->head] <= now) {
		unsigned char *p = d->data + (size_t)d->head * SLOT;
		struct sockaddr_ll to;

		memset(&to, 0, sizeof(to));
		to.sll_family = AF_PACKET;
		to.sll_ifindex = d->out_ifindex;
		/* The frame's own EtherType (after the virtio header and two MACs). */
		memcpy(&to.sll_protocol, p + VNET_LEN + 12, 2);
		to.sll_halen = ETH_ALEN;
		memcpy(to.sll_addr, p + VNET_LEN, ETH_ALEN);
		if (sendto(d->out_fd, p, d->len[d->head], 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			d->send_errors++;
		else
			d->forwarded++;
		d->head = (d->head + 1) % d->cap;
		d->n--;
	}
}

static void print_stats(const struct dir *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("delayfwd %s: received=%" PRIu64 " forwarded=%" PRIu64
		       " dropped_full=%" PRIu64 " dropped_oversize=%" PRIu64
		       " send_errors=%" PRIu64 " max_queued=%u queued=%u\n",
		       d[i].name, d[i].received, d[i].forwarded, d[i].dropped_full,
		       d[i].dropped_oversize, d[i].send_errors, d[i].max_queued, d[i].n);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: delayfwd -a IFACE -b IFACE -d MS [-q FRAMES]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifa = NULL, *ifb = NULL;
	double delay_ms = -1;
	unsigned long cap = 4096;
	int opt, fa, fb, ia, ib, tfd;
	uint64_t delay_ns, armed = 0;
	struct dir d[2];
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "a:b:d:q:")) != -1) {
		switch (opt) {
		case 'a': ifa = optarg; break;
		case 'b': ifb = optarg; break;
		case 'd': delay_ms = strtod(optarg, NULL); break;
		case 'q': cap = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!ifa || !ifb || delay_ms < 0 || delay_ms > 10000 || cap < 1 || cap > 1000000)
		usage();
	delay_ns = (uint64_t)(delay_ms * 1e6);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fa = open_side(ifa, &ia);
	fb = open_side(ifb, &ib);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0)
		die("timerfd_create");
	dir_init(&d[0], "a->b", fa, fb, ib, (unsigned)cap);
	dir_init(&d[1], "b->a", fb, fa, ia, (unsigned)cap);
	printf("delayfwd: ready, %s <-> %s, %.3f ms each way, at most %lu frames queued per direction\n",
	       ifa, ifb, delay_ms, cap);
	fflush(stdout);

	while (!stop_flag) {
		struct pollfd pf[3] = {
			{ .fd = fa, .events = POLLIN },
			{ .fd = fb, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
		};
		uint64_t next = 0, now;

		if (poll(pf, 3, -1) < 0 && errno != EINTR)
			die("poll");
		if (stats_flag) {
			stats_flag = 0;
			print_stats(d, 2);
		}
		if (pf[0].revents & POLLIN)
			dir_read(&d[0], delay_ns);
		if (pf[1].revents & POLLIN)
			dir_read(&d[1], delay_ns);
		if (pf[2].revents & POLLIN) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				die("read(timerfd)");
			armed = 0; /* a one-shot timer that fired is disarmed */
		}
		now = now_ns();
		dir_flush(&d[0], now);
		dir_flush(&d[1], now);
		/* Arm the timer for the earliest frame still queued. */
		for (int i = 0; i < 2; i++)
			if (d[i].n && (!next || d[i].due_ns[d[i].head] < next))
				next = d[i].due_ns[d[i].head];
		if (next != armed) {
			struct itimerspec its;

			memset(&its, 0, sizeof(its));
			its.it_value.tv_sec = (time_t)(next / 1000000000u);
			its.it_value.tv_nsec = (long)(next % 1000000000u);
			/* next == 0 disarms; a time already past fires at once. */
			if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
				die("timerfd_settime");
			armed = next;
		}
	}
	print_stats(d, 2);
	return 0;
}
