/*
 * tests/bench/loadgen.c - DHCPv4 load generator for relay benchmarks.
 *
 * Simulates N PXE clients on one Ethernet link through an AF_PACKET socket
 * (the link has no address: clients have none either).  Each exchange is
 *
 *     DISCOVER (broadcast flag)  ->  OFFER (matched by xid + chaddr)
 *     REQUEST (50/54 from OFFER) ->  ACK
 *
 * DISCOVERs start at a fixed offered rate for a fixed time; an exchange not
 * ACKed within the timeout counts as lost.  At the end one line of
 * key=value pairs is printed (and a JSON object with -j):
 *
 *     offered sent completed rate loss_pct p50_us p99_us max_us ...
 *
 * offered    DISCOVERs the schedule asked for (rate x seconds)
 * sent       DISCOVERs actually sent (an exchange needs an idle client and a
 *            successful send)
 * completed  exchanges ACKed within the timeout
 * rate       completed / seconds
 * loss_pct   100 x (sent - completed) / sent
 * p50_us ... DISCOVER sent -> ACK received, microseconds
 *
 * and counters that explain them (offers, naks, timeouts, starved: no idle
 * client, send_errors, unmatched frames, rx_drops: socket drops, cpu_us:
 * the generator's own CPU time, acks_with_file: ACKs whose BOOTP file
 * field is set, which the stub server never does, so a relay's boot rule
 * rewrote them).
 *
 * Clients are 02:be:4c:00:HH:LL (HHLL = client number); option 93 cycles
 * through 0, 6, 7, 9, 11, 16 and option 60 says the same arch
 * (PXEClient:Arch:NNNNN:UNDI:003016, HTTPClient for 16, as UEFI sends it).
 * The low 16 bits of each xid are the client number, the high 16 bits an
 * exchange counter salted per run, so a reply is matched in O(1) and a
 * late reply to an earlier run or exchange is ignored.
 *
 * One thread, one epoll loop: a 1 ms timerfd paces the DISCOVERs and
 * expires exchanges; the socket is drained with recvmmsg and REQUESTs go
 * out in batches with sendmmsg.  Needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define LG_MAX_CLIENTS 65536u
#define LG_MAX_RATE 1000000u
#define LG_MAX_SECONDS 600u
#define LG_MAX_OFFERED 20000000u
#define LG_BATCH 64
#define LG_FRAME_MAX 1536
#define LG_DHCP_MIN 300 /* RFC 1542 §2.1: BOOTP messages are at least 300 bytes */

#define DHCP_OP_REQUEST 1
#define DHCP_OP_REPLY 2
#define DHCP_FIXED_LEN 236
#define DHCP_COOKIE 0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000u

enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPACK = 5, DHCPNAK = 6 };

enum client_state { CL_IDLE, CL_DISCOVERING, CL_REQUESTING };

struct client {
	uint8_t chaddr[6];
	uint8_t state;
	uint16_t arch;
	uint16_t exchange;   /* high half of the current xid */
	uint32_t xid;
	uint32_t offered_ip; /* network order, from the OFFER */
	uint32_t server_id;  /* network order, option 54 of the OFFER */
	uint64_t t_start_ns; /* DISCOVER sent */
};

/* An exchange in start order; expired from the head (timeouts are fixed). */
struct started {
	uint32_t client;
	uint32_t xid;
};

struct lg_opts {
	const char *ifname;
	unsigned rate, seconds, clients, timeout_ms;
	bool json, verbose;
};

struct lg_stats {
	uint64_t offered, sent, completed, starved, send_errors;
	uint64_t offers, acks, naks, timeouts, unmatched, rx_frames, rx_drops;
	uint64_t acks_with_file; /* BOOTP file field set: a relay's boot rule ran */
};

struct lg {
	struct lg_opts o;
	int fd;
	struct client *cl;
	uint32_t *idle; /* ring of idle client numbers */
	uint32_t idle_head, idle_count;
	struct started *fifo; /* ring of started exchanges */
	uint64_t fifo_head, fifo_tail, fifo_cap;
	uint32_t *lat_us; /* one per completed exchange */
	uint16_t ip_id;
	uint64_t t0, t_stop_send, timeout_ns;
	/* frames waiting for the next sendmmsg */
	uint8_t tx_buf[LG_BATCH][LG_FRAME_MAX];
	struct iovec tx_iov[LG_BATCH];
	struct mmsghdr tx_msg[LG_BATCH];
	uint32_t tx_client[LG_BATCH];
	uint8_t tx_type[LG_BATCH];
	unsigned tx_n;
	struct lg_stats st;
};

static volatile sig_atomic_t lg_stop_signal;

static void lg_on_signal(int sig)
{
	lg_stop_signal = sig;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------------ frames */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The option 55 list a PXE ROM sends (PXE 2.1 spec, plus 66/67 for iPXE). */
static const uint8_t pxe_param_list[] = {
	1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43,
	50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135,
};

/*
 * Write a client's DHCP message (DISCOVER or REQUEST) at p, padded to the
 * BOOTP minimum; return its length.  p has room for LG_FRAME_MAX - 42.
 */
static size_t build_dhcp(uint8_t *p, const struct client *c, uint8_t type)
{
	uint8_t *o;
	int n;

	memset(p, 0, LG_DHCP_MIN);
	p[0] = DHCP_OP_REQUEST;
	p[1] = 1; /* htype Ethernet */
	p[2] = 6;
	put32(p + 4, c->xid);
	put16(p + 10, DHCP_FLAG_BROADCAST);
	memcpy(p + 28, c->chaddr, 6);
	put32(p + DHCP_FIXED_LEN, DHCP_COOKIE);
	o = p + DHCP_FIXED_LEN + 4;

	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 57, *o++ = 2, put16(o, 1472), o += 2;
	if (type == DHCPREQUEST) {
		*o++ = 50, *o++ = 4, memcpy(o, &c->offered_ip, 4), o += 4;
		*o++ = 54, *o++ = 4, memcpy(o, &c->server_id, 4), o += 4;
	}
	*o++ = 55, *o++ = sizeof(pxe_param_list);
	memcpy(o, pxe_param_list, sizeof(pxe_param_list));
	o += sizeof(pxe_param_list);
	/* Client machine identifier (RFC 4578 §2.5): type 0 + a UUID. */
	*o++ = 97, *o++ = 17, *o++ = 0;
	memset(o, 0x5a, 10);
	memcpy(o + 10, c->chaddr, 6);
	o += 16;
	/* Client network interface identifier: UNDI 3.16. */
	*o++ = 94, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 16;
	*o++ = 93, *o++ = 2, put16(o, c->arch), o += 2;
	n = snprintf((char *)o + 2, 64, "%s:Arch:%05u:UNDI:003016",
		     c->arch == 16 ? "HTTPClient" : "PXEClient", c->arch);
	*o++ = 60, *o++ = (uint8_t)n;
	o += n;
	*o++ = 255;
	return (size_t)(o - p) > LG_DHCP_MIN ? (size_t)(o - p) : LG_DHCP_MIN;
}

/* Ethernet + IPv4 + UDP around a DHCP message, 0.0.0.0:68 -> 255.255.255.255:67. */
static size_t build_frame(struct lg *g, uint8_t *f, const struct client *c, uint8_t type)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *dhcp = udp + 8;
	size_t dlen = build_dhcp(dhcp, c, type);
	uint16_t udp_len = (uint16_t)(8 + dlen);
	uint32_t sum;

	memset(f, 0xff, 6);
	memcpy(f + 6, c->chaddr, 6);
	put16(f + 12, ETH_P_IP);

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + udp_len));
	put16(ip + 4, g->ip_id++);
	put16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put16(ip + 10, 0);
	put32(ip + 12, 0);
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	/* pseudo header: addresses, protocol, UDP length */
	sum = csum_add(0, ip + 12, 8);
	sum += IPPROTO_UDP + udp_len;
	sum = csum_add(sum, udp, udp_len);
	uint16_t cs = csum_fold(sum);
	put16(udp + 6, cs ? cs : 0xffff);
	return 14 + 20 + udp_len;
}

/* ------------------------------------------------------------------ clients */

static void idle_push(struct lg *g, uint32_t n)
{
	g->idle[(g->idle_head + g->idle_count) % g->o.clients] = n;
	g->idle_count++;
}

static bool idle_pop(struct lg *g, uint32_t *n)
{
	if (!g->idle_count)
		return false;
	*n = g->idle[g->idle_head];
	g->idle_head = (g->idle_head + 1) % g->o.clients;
	g->idle_count--;
	return true;
}

static void client_done(struct lg *g, struct client *c)
{
	c->state = CL_IDLE;
	idle_push(g, (uint32_t)(c - g->cl));
}

static void tx_flush(struct lg *g)
{
	unsigned off = 0;

	while (off < g->tx_n) {
		int r = sendmmsg(g->fd, g->tx_msg + off, g->tx_n - off, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* The frame at off could not go: its exchange is lost
			 * (a DISCOVER: never started, the client is free again). */
			struct client *c = &g->cl[g->tx_client[off]];

			g->st.send_errors++;
			if (g->tx_type[off] == DHCPDISCOVER)
				g->st.sent--;
			client_done(g, c);
			off++;
			continue;
		}
		off += (unsigned)r;
	}
	g->tx_n = 0;
}

static void tx_queue(struct lg *g, uint32_t n, uint8_t type)
{
	struct client *c = &g->cl[n];
	size_t len;

	if (g->tx_n == LG_BATCH)
		tx_flush(g);
	len = build_frame(g, g->tx_buf[g->tx_n], c, type);
	g->tx_iov[g->tx_n].iov_len = len;
	g->tx_client[g->tx_n] = n;
	g->tx_type[g->tx_n] = type;
	g->tx_n++;
}

/* Start the DISCOVERs the schedule has due by now. */
static void pace(struct lg *g, uint64_t now)
{
	uint64_t total = (uint64_t)g->o.rate * g->o.seconds;
	uint64_t due = (now - g->t0) * g->o.rate / 1000000000u + 1;

	/* Behind schedule (the loop was busy): catch up, never past the total. */
	if (due > total)
		due = total;
	while (g->st.offered < due) {
		uint32_t n;
		struct client *c;

		g->st.offered++;
		if (!idle_pop(g, &n)) {
			g->st.starved++;
			continue;
		}
		c = &g->cl[n];
		c->exchange++;
		c->xid = (uint32_t)c->exchange << 16 | n;
		c->state = CL_DISCOVERING;
		c->t_start_ns = mono_ns();
		g->fifo[g->fifo_tail++ % g->fifo_cap] = (struct started){ n, c->xid };
		g->st.sent++;
		tx_queue(g, n, DHCPDISCOVER);
	}
	tx_flush(g);
}

/* Exchanges older than the timeout that are still open are lost. */
static void expire(struct lg *g, uint64_t now)
{
	while (g->fifo_head < g->fifo_tail) {
		struct started *s = &g->fifo[g->fifo_head % g->fifo_cap];
		struct client *c = &g->cl[s->client];

		if (c->xid == s->xid && c->state != CL_IDLE) {
			if (c->t_start_ns + g->timeout_ns > now)
				break; /* (started after `now` was read, too) */
			g->st.timeouts++;
			client_done(g, c);
		}
		g->fifo_head++;
	}
}

static bool any_open(const struct lg *g)
{
	return g->idle_count < g->o.clients;
}

/* ------------------------------------------------------------------ replies */

/*
 * One received frame: an OFFER or ACK for one of our clients moves its
 * exchange on; anything else is counted as unmatched and dropped.
 */
static void on_frame(struct lg *g, const uint8_t *f, size_t len, uint64_t now)
{
	const uint8_t *ip, *udp, *d, *o, *end;
	size_t ihl, udp_len;
	uint32_t xid, idx, server_id = 0;
	int type = -1;
	struct client *c;
	const char *why = "not IPv4/UDP to port 68";

	g->st.rx_frames++;
	if (len < 14 + 20 + 8 || get16(f + 12) != ETH_P_IP)
		goto unmatched;
	ip = f + 14;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < 14 + ihl + 8 || ip[9] != IPPROTO_UDP ||
	    (get16(ip + 6) & 0x3fff))
		goto unmatched;
	udp = ip + ihl;
	udp_len = get16(udp + 4);
	if (get16(udp + 2) != 68 || udp_len < 8 || 14 + ihl + udp_len > len)
		goto unmatched;
	d = udp + 8;
	end = udp + udp_len;
	why = "not a DHCP reply";
	if ((size_t)(end - d) < DHCP_FIXED_LEN + 4 || d[0] != DHCP_OP_REPLY ||
	    get32(d + DHCP_FIXED_LEN) != DHCP_COOKIE)
		goto unmatched;
	xid = get32(d + 4);
	idx = xid & 0xffff;
	why = "xid or chaddr of no open exchange";
	if (idx >= g->o.clients)
		goto unmatched;
	c = &g->cl[idx];
	if (c->state == CL_IDLE || c->xid != xid || memcmp(d + 28, c->chaddr, 6))
		goto unmatched;
	for (o = d + DHCP_FIXED_LEN + 4; o < end && *o != 255;) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (end - o < 2 || end - o < 2 + o[1])
			break;
		if (o[0] == 53 && o[1] == 1)
			type = o[2];
		else if (o[0] == 54 && o[1] == 4)
			memcpy(&server_id, o + 2, 4);
		o += 2 + o[1];
	}
	if (type == DHCPOFFER && c->state == CL_DISCOVERING) {
		g->st.offers++;
		memcpy(&c->offered_ip, d + 16, 4);
		c->server_id = server_id;
		c->state = CL_REQUESTING;
		tx_queue(g, idx, DHCPREQUEST);
		return;
	}
	if (type == DHCPACK && c->state == CL_REQUESTING) {
		uint64_t us = (now - c->t_start_ns) / 1000;

		g->st.acks++;
		if (d[108]) /* file: the stub puts the boot file only in option 67 */
			g->st.acks_with_file++;
		g->lat_us[g->st.completed++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		client_done(g, c);
		return;
	}
	if (type == DHCPNAK) {
		g->st.naks++;
		client_done(g, c);
		return;
	}
	why = "message type unexpected in the exchange's state";
unmatched:
	if (g->o.verbose && g->st.unmatched < 10)
		fprintf(stderr, "loadgen: unmatched frame (%zu bytes): %s\n", len, why);
	g->st.unmatched++;
}

static void rx_drain(struct lg *g, uint64_t budget)
{
	static uint8_t buf[LG_BATCH][LG_FRAME_MAX];
	struct iovec iov[LG_BATCH];
	struct mmsghdr msg[LG_BATCH];
	uint64_t got = 0;

	for (int i = 0; i < LG_BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], LG_FRAME_MAX };
		msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (got < budget) {
		int r = recvmmsg(g->fd, msg, LG_BATCH, MSG_DONTWAIT, NULL);
		uint64_t now = mono_ns();

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				die("recvmmsg");
			break;
		}
		for (int i = 0; i < r; i++)
			on_frame(g, buf[i], msg[i].msg_len, now);
		got += (uint64_t)r;
		tx_flush(g);
		if (r < LG_BATCH)
			break;
	}
	tx_flush(g);
}

/* ------------------------------------------------------------------ setup */

/* Accept only IPv4 UDP to port 68, first fragments (cBPF on the frame). */
static void attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		die("SO_ATTACH_FILTER");
}

static int open_link(const char *ifname)
{
	unsigned ifindex = if_nametoindex(ifname);
	int fd, one = 1, buf = 16 << 20;
	struct sockaddr_ll sll = { 0 };
	char junk[LG_FRAME_MAX];

	if (!ifindex) {
		fprintf(stderr, "loadgen: no interface %s\n", ifname);
		exit(2);
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	attach_filter(fd);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
#ifdef PACKET_IGNORE_OUTGOING
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	(void)one;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind");
	/* Frames that arrived before the filter was attached: discard. */
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	return fd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t percentile(const uint32_t *v, uint64_t n, unsigned pct)
{
	uint64_t i;

	if (!n)
		return 0;
	i = (n * pct + 99) / 100; /* nearest rank */
	return v[i ? i - 1 : 0];
}

struct report_field {
	const char *key;
	double value;
	int decimals;
};

static void report(struct lg *g, double secs)
{
	struct lg_stats *s = &g->st;
	uint64_t n = s->completed, cpu_us = 0;
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
			 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	qsort(g->lat_us, n, sizeof(*g->lat_us), cmp_u32);

	/* The first eight are the summary proper; the rest explain it. */
	const struct report_field f[] = {
		{ "offered", (double)s->offered, 0 },
		{ "sent", (double)s->sent, 0 },
		{ "completed", (double)n, 0 },
		{ "rate", secs > 0 ? (double)n / secs : 0.0, 1 },
		{ "loss_pct", s->sent ? 100.0 * (double)(s->sent - n) / (double)s->sent : 0.0, 2 },
		{ "p50_us", percentile(g->lat_us, n, 50), 0 },
		{ "p99_us", percentile(g->lat_us, n, 99), 0 },
		{ "max_us", n ? g->lat_us[n - 1] : 0, 0 },
		{ "offered_rate", g->o.rate, 0 },
		{ "seconds", g->o.seconds, 0 },
		{ "clients", g->o.clients, 0 },
		{ "timeout_ms", g->o.timeout_ms, 0 },
		{ "offers", (double)s->offers, 0 },
		{ "naks", (double)s->naks, 0 },
		{ "acks_with_file", (double)s->acks_with_file, 0 },
		{ "timeouts", (double)s->timeouts, 0 },
		{ "starved", (double)s->starved, 0 },
		{ "send_errors", (double)s->send_errors, 0 },
		{ "unmatched", (double)s->unmatched, 0 },
		{ "rx_frames", (double)s->rx_frames, 0 },
		{ "rx_drops", (double)s->rx_drops, 0 },
		{ "cpu_us", (double)cpu_us, 0 },
	};
	const size_t nf = sizeof(f) / sizeof(f[0]);

	for (size_t i = 0; i < nf; i++)
		printf("%s%s=%.*f", i ? " " : "", f[i].key, f[i].decimals, f[i].value);
	putchar('\n');
	if (g->o.json) {
		for (size_t i = 0; i < nf; i++)
			printf("%s\"%s\":%.*f", i ? "," : "{", f[i].key, f[i].decimals, f[i].value);
		puts("}");
	}
	fflush(stdout);
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: loadgen -i IFACE -r RATE -t SECONDS [-n CLIENTS] [-T TIMEOUT_MS] [-j] [-v]\n"
		"  -i IFACE       link to send on (AF_PACKET; needs CAP_NET_RAW)\n"
		"  -r RATE        DISCOVERs per second offered (1..%u)\n"
		"  -t SECONDS     how long to offer them (1..%u)\n"
		"  -n CLIENTS     simulated clients, distinct MACs (1..%u, default 65536)\n"
		"  -T TIMEOUT_MS  an exchange not ACKed by then is lost (default 1000)\n"
		"  -j             also print the summary as one JSON object\n"
		"  -v             print why each of the first 10 unmatched frames was dropped\n",
		LG_MAX_RATE, LG_MAX_SECONDS, LG_MAX_CLIENTS);
	exit(rc);
}

static unsigned parse_num(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "loadgen: %s must be %u..%u, not \"%s\"\n", what, lo, hi, s);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_args(struct lg_opts *o, int argc, char **argv)
{
	int ch;

	*o = (struct lg_opts){ .clients = LG_MAX_CLIENTS, .timeout_ms = 1000 };
	while ((ch = getopt(argc, argv, "i:r:t:n:T:jvh")) != -1) {
		switch (ch) {
		case 'i': o->ifname = optarg; break;
		case 'r': o->rate = parse_num(optarg, 1, LG_MAX_RATE, "-r RATE"); break;
		case 't': o->seconds = parse_num(optarg, 1, LG_MAX_SECONDS, "-t SECONDS"); break;
		case 'n': o->clients = parse_num(optarg, 1, LG_MAX_CLIENTS, "-n CLIENTS"); break;
		case 'T': o->timeout_ms = parse_num(optarg, 1, 60000, "-T TIMEOUT_MS"); break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !o->ifname || !o->rate || !o->seconds)
		usage(2);
	if ((uint64_t)o->rate * o->seconds > LG_MAX_OFFERED) {
		fprintf(stderr, "loadgen: rate x seconds must stay under %u\n", LG_MAX_OFFERED);
		exit(2);
	}
}

static void setup(struct lg *g)
{
	uint64_t total = (uint64_t)g->o.rate * g->o.seconds;
	uint16_t salt;

	if (getrandom(&salt, sizeof(salt), 0) != sizeof(salt))
		salt = (uint16_t)(getpid() ^ mono_ns());
	g->cl = calloc(g->o.clients, sizeof(*g->cl));
	g->idle = calloc(g->o.clients, sizeof(*g->idle));
	g->fifo_cap = total;
	g->fifo = calloc(total, sizeof(*g->fifo));
	g->lat_us = calloc(total, sizeof(*g->lat_us));
	if (!g->cl || !g->idle || !g->fifo || !g->lat_us)
		die("calloc");
	static const uint16_t arch_mix[] = { 0, 6, 7, 9, 11, 16 };
	for (uint32_t i = 0; i < g->o.clients; i++) {
		struct client *c = &g->cl[i];
		const uint8_t mac[6] = { 0x02, 0xbe, 0x4c, 0x00, (uint8_t)(i >> 8), (uint8_t)i };

		memcpy(c->chaddr, mac, 6);
		c->arch = arch_mix[i % (sizeof(arch_mix) / sizeof(arch_mix[0]))];
		c->exchange = (uint16_t)(salt + i);
		idle_push(g, i);
	}
	for (int i = 0; i < LG_BATCH; i++) {
		g->tx_iov[i].iov_base = g->tx_buf[i];
		g->tx_msg[i].msg_hdr = (struct msghdr){ .msg_iov = &g->tx_iov[i], .msg_iovlen = 1 };
	}
	g->ip_id = salt;
	g->timeout_ns = (uint64_t)g->o.timeout_ms * 1000000u;
}

int main(int argc, char **argv)
{
	static struct lg g;
	struct epoll_event ev, evs[4];
	struct itimerspec tick = { { 0, 1000000 }, { 0, 1000000 } };
	struct sigaction sa = { .sa_handler = lg_on_signal };
	struct tpacket_stats ps;
	socklen_t pslen = sizeof(ps);
	uint64_t hard_end, secs_ns;
	int ep, tfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&g.o, argc, argv);
	setup(&g);
	g.fd = open_link(g.o.ifname);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL) < 0)
		die("epoll/timerfd");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = g.fd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, g.fd, &ev) < 0)
		die("epoll_ctl");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = tfd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
		die("epoll_ctl");

	secs_ns = (uint64_t)g.o.seconds * 1000000000u;
	g.t0 = mono_ns();
	g.t_stop_send = g.t0 + secs_ns;
	/* Bounded whatever happens: offering time + one timeout + 0.5 s. */
	hard_end = g.t_stop_send + g.timeout_ns + 500000000u;
	for (;;) {
		uint64_t now = mono_ns();

		if (lg_stop_signal || now >= hard_end)
			break;
		if (now >= g.t_stop_send && g.st.offered == (uint64_t)g.o.rate * g.o.seconds &&
		    !any_open(&g))
			break;
		int n = epoll_wait(ep, evs, 4, 10);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					die("read timerfd");
			}
		}
		/* Replies first (they carry REQUESTs to send), then the schedule. */
		rx_drain(&g, 4096);
		now = mono_ns();
		pace(&g, now);
		expire(&g, now);
	}
	/* Whatever is still open when we stop has timed out (or we were told
	 * to stop): lost. */
	for (uint32_t i = 0; i < g.o.clients; i++)
		if (g.cl[i].state != CL_IDLE)
			g.st.timeouts++;
	if (getsockopt(g.fd, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen) == 0)
		g.st.rx_drops = ps.tp_drops;
	report(&g, (double)g.o.seconds);
	return lg_stop_signal ? 1 : 0;
}
