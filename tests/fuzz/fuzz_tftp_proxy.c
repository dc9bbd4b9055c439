/* libFuzzer harness: the TFTP proxy's state machine (tftp_proxy.c),
 * driven by a script read from the input against a fake struct tftp_io
 * with a bounded number of socket ids and a fake clock.
 *
 * Input: six configuration bytes (cache size, max-sessions 1..8, per-client
 * 1..3 with bit 7 turning on a fake cache-dir (io.load/io.store), upstream
 * blksize, upstream windowsize, cache max age (bits 0-1) with fetch-timeout
 * (bits 2-3), each picked from a short list), then up to MAX_EVENTS events
 * until the input ends.
 * A missing byte reads as 0. Each event starts with a byte whose value % 8
 * picks it:
 *
 * | event | bytes after it | what |
 * |---|---|---|
 * | 0 learn | client, server | tftp_proxy_learn(client i % 4, server j % 2) |
 * | 1 request | client, port, path, flags, mtu, blksize, timeout, windowsize [, tsize if flags bit 4] | an RRQ built with tftp_build_rrq; flags bits 0-3 say which options go in |
 * | 2 raw request | client, port, length, bytes | any bytes on the listening port |
 * | 3 client answer | client, port, kind, block (2 bytes) | kind % 4: 0-1 ACK what the relay last sent that client, 2 ACK the chosen block, 3 ERROR |
 * | 4 server answer | server, TID, kind, values | kind % 4: 0 OACK, 1 one DATA, 2 a burst of up to 64, 3 ERROR, on the fetch socket that last sent to that server; DATA continues after the relay's last ACK, sizes from a list, optionally out of order |
 * | 5 raw packet | socket, source, length, bytes | any bytes on any open socket (bit 7 of the socket byte: any id, even a closed one) from any address; bit 4 of the source byte: arrived on the other interface (a server's address from the clients' link) |
 * | 6 clock | step | advance 1 ms .. 25 h, ticking at every deadline |
 * | 7 tick or restart | byte | even: tftp_proxy_tick now; odd: tftp_proxy_free and a new proxy (the cache-dir stays) |
 *
 * Invariants (abort on violation):
 * - every datagram sent parses, goes out on an open socket, and is of the
 *   kind its socket may send (session: DATA/OACK/ERROR; fetch: RRQ/ACK/
 *   ERROR); DATA carries at most 65464 bytes;
 * - it goes to an address that sent something in the script, or is an
 *   RRQ to port 69 of a server learned for some client (never a server
 *   that was not learned), from a fetch socket, for a normalised path;
 * - a server address never learned only ever gets ERROR (unknown TID);
 * - the cache-dir is read and written only for a learned server and a
 *   normalised path;
 * - a packet to a fetch socket from the clients' link is answered with
 *   nothing at all;
 * - fetches only ever open toward a learned server;
 * - after every event, the sockets open are exactly one per live session
 *   and fetch, within the configured limits (2 x max-sessions sessions:
 *   confirmed and on probation), the file data held is within cache-size,
 *   and tftp_proxy_tick returns
 *   -1 exactly when nothing is live;
 * - after tftp_proxy_free, every socket opened was closed exactly once.
 *
 * Build with -DFUZZ_TRACE to print every datagram the relay sends. */
#include "tftp_proto.h"
#include "tftp_proxy.h"
#include "fuzz_util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_SOCK 3
#define NSOCK 10                      /* socket ids FIRST_SOCK .. FIRST_SOCK + NSOCK - 1:
				       * fewer than 8 sessions + 8 fetches need */
#define MAX_SOURCES 64
#define T0 1000000
#define MAX_EVENTS 4096
#define DATA_BUDGET (4u << 20)        /* DATA bytes the script's servers send, per input */

struct addr {
	uint32_t ip;
	uint16_t port;
};

struct sent {
	bool valid;
	int sock;
	uint16_t op, block;
};

static struct {
	struct tftp_proxy *px;
	int64_t now;
	unsigned max_sessions;
	uint64_t cache_size;
	bool open[FIRST_SOCK + NSOCK];
	uint32_t bound[FIRST_SOCK + NSOCK];
	unsigned opens, closes;
	struct addr sources[MAX_SOURCES];
	unsigned nsources;
	bool learned[2];
	/* The newest datagram to each client address, and the newest from
	 * a fetch socket to each server: what the scripted peers answer. */
	struct sent last_client[4][2];
	struct sent last_server[2];
	/* The scripted server's next DATA block on each fetch socket: 1
	 * after the RRQ, n + 1 after the relay's ACK n or its own DATA n
	 * (RFC 7440: a window resumes after the block acknowledged). */
	uint16_t server_next[FIRST_SOCK + NSOCK];
	size_t data_sent;
	unsigned long sends;
	/* The fake cache-dir: a few files, with the time they were stored. */
	struct {
		uint32_t server;
		char path[TFTP_PATH_MAX];
		uint8_t *data;
		size_t len;
		int64_t stored_ms;
	} disk[4];
	unsigned ndisk;
} W;

static const uint8_t client_octet[4] = { 51, 52, 53, 54 };
static const uint16_t client_ports[2] = { 2070, 3001 };
static const uint16_t server_tids[3] = { 50123, 50124, 69 };

FUZZ_NO_COV static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, bytes, 4);
	return v;
}

FUZZ_NO_COV static uint32_t client_ip(unsigned i) { return ip4(10, 20, 0, client_octet[i % 4]); }
FUZZ_NO_COV static uint32_t server_ip(unsigned i) { return ip4(10, 0, 0, (uint8_t)(5 + i % 2)); }
#define LOCAL_IP ip4(10, 20, 0, 1)
#define LINK_IF 5                     /* the clients' link */
#define UP_IF 2                       /* the route toward every boot server */
#define STRANGER ip4(192, 0, 2, 99)

/* ---- input reader: zeros once the input is used up ---- */

struct rd {
	const uint8_t *p;
	size_t left;
};

FUZZ_NO_COV static uint8_t u8(struct rd *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

FUZZ_NO_COV static uint16_t u16(struct rd *r)
{
	uint16_t hi = u8(r);

	return (uint16_t)(hi << 8 | u8(r));
}

/* ---- bookkeeping ---- */

FUZZ_NO_COV static void add_source(uint32_t ip, uint16_t port)
{
	for (unsigned i = 0; i < W.nsources; i++)
		if (W.sources[i].ip == ip && W.sources[i].port == port)
			return;
	FUZZ_CHECK(W.nsources < MAX_SOURCES);
	W.sources[W.nsources++] = (struct addr){ ip, port };
}

FUZZ_NO_COV static bool is_source(uint32_t ip, uint16_t port)
{
	for (unsigned i = 0; i < W.nsources; i++)
		if (W.sources[i].ip == ip && W.sources[i].port == port)
			return true;
	return false;
}

FUZZ_NO_COV static int server_index(uint32_t ip)
{
	for (unsigned i = 0; i < 2; i++)
		if (server_ip(i) == ip)
			return (int)i;
	return -1;
}

FUZZ_NO_COV static struct sent *client_slot(uint32_t ip, uint16_t port)
{
	for (unsigned c = 0; c < 4; c++)
		for (unsigned k = 0; k < 2; k++)
			if (client_ip(c) == ip && client_ports[k] == port)
				return &W.last_client[c][k];
	return NULL;
}

/* A path as the relay may ask it upstream: normalised. */
FUZZ_NO_COV static void check_upstream_path(const char *path)
{
	const char *seg = path;

	FUZZ_CHECK(path[0] != '\0' && path[0] != '/');
	for (const char *p = path;; p++) {
		if (*p != '\0')
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '\\');
		if (*p == '/' || *p == '\0') {
			FUZZ_CHECK(!(p - seg == 2 && seg[0] == '.' && seg[1] == '.'));
			FUZZ_CHECK(p != seg);
			if (*p == '\0')
				break;
			seg = p + 1;
		}
	}
}

/* ---- the fake io ----
 * Every address here is IPv4; the proxy's are of either family, which it
 * only compares and hands back (and uses to size a frame). */

FUZZ_NO_COV static uint32_t v4(struct tftp_addr a)
{
	FUZZ_CHECK(tftp_addr_unset(a) || tftp_addr_is4(a));
	return tftp_addr_to4(a);
}

FUZZ_NO_COV static int fake_open(void *user, struct tftp_addr local)
{
	uint32_t local_ip = v4(local);

	(void)user;
	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++) {
		if (W.open[s])
			continue;
		W.open[s] = true;
		W.bound[s] = local_ip;
		W.opens++;
		return s;
	}
	return -EMFILE;
}

FUZZ_NO_COV static int fake_open_upstream(void *user, struct tftp_addr server_addr, int *ifindex)
{
	uint32_t server = v4(server_addr);

	FUZZ_CHECK(server_index(server) >= 0 && W.learned[server_index(server)]);
	*ifindex = UP_IF;
	return fake_open(user, (struct tftp_addr){ { 0 } });
}

FUZZ_NO_COV static void fake_close(void *user, int sock)
{
	(void)user;
	FUZZ_CHECK(sock >= FIRST_SOCK && sock < FIRST_SOCK + NSOCK);
	FUZZ_CHECK(W.open[sock]);
	W.open[sock] = false;
	W.closes++;
}

FUZZ_NO_COV static int fake_send(void *user, int sock, struct tftp_addr to, uint16_t port,
				 const uint8_t *buf, size_t len)
{
	struct tftp_pkt p;
	struct sent rec;
	uint32_t ip = v4(to);
	int srv = server_index(ip);

	(void)user;
	W.sends++;
	FUZZ_CHECK(sock >= FIRST_SOCK && sock < FIRST_SOCK + NSOCK);
	FUZZ_CHECK(W.open[sock]);
	FUZZ_CHECK(tftp_parse(buf, len, &p) == 0);
	if (W.bound[sock] == 0) {
		/* A fetch socket: the relay is the client of a boot server. */
		FUZZ_CHECK(p.op == TFTP_RRQ || p.op == TFTP_ACK || p.op == TFTP_ERROR);
	} else {
		FUZZ_CHECK(W.bound[sock] == LOCAL_IP);
		FUZZ_CHECK(p.op == TFTP_DATA || p.op == TFTP_OACK || p.op == TFTP_ERROR);
	}
	if (p.op == TFTP_DATA)
		FUZZ_CHECK(p.data_len <= TFTP_BLKSIZE_MAX);
	if (p.op == TFTP_RRQ) {
		/* Never an open relay: only to port 69 of a learned server. */
		FUZZ_CHECK(port == 69 && srv >= 0 && W.learned[srv]);
		FUZZ_CHECK(W.bound[sock] == 0);
		check_upstream_path(p.path);
	} else {
		FUZZ_CHECK(is_source(ip, port));
		if (srv >= 0 && !W.learned[srv])
			FUZZ_CHECK(p.op == TFTP_ERROR);
	}
	if (W.bound[sock] == 0 && p.op == TFTP_RRQ)
		W.server_next[sock] = 1;
	else if (W.bound[sock] == 0 && p.op == TFTP_ACK)
		W.server_next[sock] = (uint16_t)(p.block + 1);
#ifdef FUZZ_TRACE
	/* cc -DFUZZ_TRACE ... then run one input: every datagram, one line. */
	fprintf(stderr, "t=%lld sock %d -> %08x:%u op %u block %u len %zu err %u %s\n",
		(long long)(W.now - T0), sock, ip, port, p.op, p.block, p.data_len, p.error_code,
		p.op == TFTP_RRQ ? p.path : p.error_msg);
#endif
	rec = (struct sent){ .valid = true, .sock = sock, .op = p.op,
			     .block = p.op == TFTP_DATA || p.op == TFTP_ACK ? p.block : 0 };
	if (srv >= 0 && W.bound[sock] == 0)
		W.last_server[srv] = rec;
	else if (client_slot(ip, port))
		*client_slot(ip, port) = rec;
	return 0;
}

FUZZ_NO_COV static int disk_index(uint32_t server, const char *path)
{
	int srv = server_index(server);

	FUZZ_CHECK(srv >= 0 && W.learned[srv]);
	check_upstream_path(path);
	for (unsigned i = 0; i < W.ndisk; i++)
		if (W.disk[i].server == server && strcmp(W.disk[i].path, path) == 0)
			return (int)i;
	return -1;
}

FUZZ_NO_COV static int fake_load(void *user, struct tftp_addr server, const char *path,
				 int64_t max_age_ms, uint8_t **data, size_t *len, int64_t *age_ms)
{
	int i = disk_index(v4(server), path);

	(void)user;
	if (i < 0 || W.now - W.disk[i].stored_ms > max_age_ms)
		return -ENOENT;
	*data = malloc(W.disk[i].len ? W.disk[i].len : 1);
	FUZZ_CHECK(*data);
	if (W.disk[i].len)
		memcpy(*data, W.disk[i].data, W.disk[i].len);
	*len = W.disk[i].len;
	*age_ms = W.now - W.disk[i].stored_ms;
	return 0;
}

FUZZ_NO_COV static void fake_store(void *user, struct tftp_addr server_addr, const char *path,
				   const uint8_t *data, size_t len)
{
	uint32_t server = v4(server_addr);
	int i = disk_index(server, path);

	(void)user;
	FUZZ_CHECK(len == 0 || data);
	if (i < 0) {
		if (W.ndisk == 4)
			return;                    /* the disk is full: not kept */
		i = (int)W.ndisk++;
		W.disk[i].server = server;
		snprintf(W.disk[i].path, sizeof(W.disk[i].path), "%s", path);
	}
	free(W.disk[i].data);
	W.disk[i].data = malloc(len ? len : 1);
	FUZZ_CHECK(W.disk[i].data);
	if (len)
		memcpy(W.disk[i].data, data, len);
	W.disk[i].len = len;
	W.disk[i].stored_ms = W.now;
}

/* ---- events ---- */

FUZZ_NO_COV static void ev_learn(struct rd *r)
{
	unsigned c = u8(r) % 4, s = u8(r) % 2;

	tftp_proxy_learn(W.px, tftp_addr4(client_ip(c)), tftp_addr4(server_ip(s)), W.now);
	W.learned[s] = true;
}

FUZZ_NO_COV static void ev_request(struct rd *r)
{
	static const char *const paths[] = {
		"pxelinux.0", "boot/grubx64.efi", "/boot//grubx64.efi", "../etc/passwd",
		"a\\b", "x", "./pxelinux.cfg/default", "a/../b",
	};
	static const uint32_t blksizes[] = { 8, 512, 1024, 1428, 1468, 8192, 65464, 9 };
	static const unsigned mtus[] = { 1500, 0, 576, 9000, 40, 41, 1280, 65535 };
	unsigned c = u8(r) % 4, port = u8(r) % 2;
	const char *path = paths[u8(r) % 8];
	uint8_t flags = u8(r);
	unsigned mtu = mtus[u8(r) % 8];
	struct tftp_opts o = { 0 };
	uint8_t buf[600];
	int n;

	/* One read per statement: the order of evaluation inside an
	 * initializer list is unspecified. */
	o.has_blksize = flags & 1;
	o.blksize = blksizes[u8(r) % 8];
	o.has_tsize = flags & 2;
	o.has_timeout = flags & 4;
	o.timeout = 1 + u8(r) % 255;
	o.has_windowsize = flags & 8;
	o.windowsize = 1 + u8(r) % 80;
	if (flags & 16)
		o.tsize = u8(r);               /* a client may send a non-zero tsize */
	n = tftp_build_rrq(buf, sizeof(buf), path, &o);
	FUZZ_CHECK(n > 0);
	add_source(client_ip(c), client_ports[port]);
	tftp_proxy_request(W.px, buf, (size_t)n, tftp_addr4(client_ip(c)), client_ports[port],
			   tftp_addr4(LOCAL_IP), mtu,
			   W.now);
}

FUZZ_NO_COV static void ev_raw_request(struct rd *r)
{
	unsigned c = u8(r) % 4, port = u8(r) % 2;
	size_t len = u8(r) % 64;
	uint8_t buf[64];

	for (size_t i = 0; i < len; i++)
		buf[i] = u8(r);
	add_source(client_ip(c), client_ports[port]);
	tftp_proxy_request(W.px, buf, len, tftp_addr4(client_ip(c)), client_ports[port],
			   tftp_addr4(LOCAL_IP), 1500, W.now);
}

/* Any open socket, chosen by a byte; -1 when none. */
FUZZ_NO_COV static int pick_sock(uint8_t b)
{
	unsigned n = 0, k;

	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++)
		n += W.open[s];
	if (!n)
		return -1;
	k = b % n;
	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++)
		if (W.open[s] && k-- == 0)
			return s;
	return -1;
}

FUZZ_NO_COV static void ev_client_answer(struct rd *r)
{
	unsigned c = u8(r) % 4, port = u8(r) % 2;
	uint8_t kind = u8(r);
	uint16_t block = u16(r);
	uint32_t ip = client_ip(c);
	const struct sent *s = &W.last_client[c][port];
	uint8_t buf[32];
	int n, sock = s->valid && W.open[s->sock] ? s->sock : pick_sock(kind);

	if (sock < 0)
		return;
	switch (kind % 4) {
	case 0:
	case 1:
		/* The ACK a well-behaved client sends for what it got. */
		block = s->valid && s->op == TFTP_DATA ? s->block : 0;
		/* fall through */
	case 2:
		n = tftp_build_ack(buf, sizeof(buf), block);
		break;
	default:
		n = tftp_build_error(buf, sizeof(buf), (uint16_t)(block % 9), "abort");
		break;
	}
	add_source(ip, client_ports[port]);
	tftp_proxy_input(W.px, sock, buf, (size_t)n, tftp_addr4(ip), client_ports[port], LINK_IF,
			 W.now);
}

FUZZ_NO_COV static void server_send(int sock, uint32_t ip, uint16_t tid, const uint8_t *buf,
				    size_t len)
{
	add_source(ip, tid);
	tftp_proxy_input(W.px, sock, buf, len, tftp_addr4(ip), tid, UP_IF, W.now);
}

FUZZ_NO_COV static void ev_server_answer(struct rd *r)
{
	static const uint32_t blksizes[] = { 512, 1428, 8, 1024, 65464, 600, 1468, 4096 };
	static const size_t sizes[] = { 0, 1, 8, 511, 512, 1024, 1427, 1428, 1500, 7, 600, 4096 };
	static uint8_t buf[4 + 4096];
	unsigned srv = u8(r) % 2;
	uint16_t tid = server_tids[u8(r) % 3];
	uint8_t kind = u8(r), flags, skew;
	uint32_t ip = server_ip(srv);
	const struct sent *s = &W.last_server[srv];
	struct tftp_opts o;
	unsigned count;
	size_t len;
	uint16_t block;
	int n;

	/* Read the event's bytes before deciding anything, so that the
	 * script stays aligned when there is nothing to answer. */
	switch (kind % 4) {
	case 0:
		flags = u8(r);
		memset(&o, 0, sizeof(o));
		o.has_blksize = flags & 1;
		o.blksize = blksizes[u8(r) % 8];
		o.has_tsize = flags & 2;
		o.tsize = (uint64_t)u16(r) * 8;
		o.has_timeout = flags & 4;
		o.timeout = 1 + u8(r) % 255;
		o.has_windowsize = flags & 8;
		o.windowsize = 1 + u8(r) % 16;
		n = tftp_build_oack(buf, sizeof(buf), &o);
		break;
	case 1:
	case 2:
		/* One DATA block, or a burst of consecutive ones. */
		count = kind % 4 == 1 ? 1 : 1 + u8(r) % 64;
		skew = u8(r);
		len = sizes[u8(r) % 12];
		break;
	default:
		n = tftp_build_error(buf, sizeof(buf), (uint16_t)(kind / 4 % 9),
				     kind & 0x80 ? "" : "File not found");
		break;
	}
	if (!s->valid || !W.open[s->sock])
		return;      /* the transfer is over: nothing to answer */
	if (kind % 4 == 0 || kind % 4 == 3) {
		server_send(s->sock, ip, tid, buf, (size_t)n);
		return;
	}
	block = W.server_next[s->sock];
	if (skew % 8 == 7)
		block = (uint16_t)(block + skew / 8 - 16);   /* out of order */
	for (unsigned i = 0; i < count && W.open[s->sock] && W.data_sent < DATA_BUDGET; i++) {
		tftp_build_data_hdr(buf, 4, (uint16_t)(block + i));
		for (size_t k = 0; k < len; k++)
			buf[4 + k] = (uint8_t)(block + i + k);
		W.server_next[s->sock] = (uint16_t)(block + i + 1);
		W.data_sent += len;
		server_send(s->sock, ip, tid, buf, 4 + len);
	}
}

FUZZ_NO_COV static void ev_raw_packet(struct rd *r)
{
	uint8_t which = u8(r);
	/* Bit 7: any id, open or not (a datagram that was queued on a
	 * socket the relay has closed since). */
	int sock = which & 0x80 ? which % (FIRST_SOCK + NSOCK + 2) : pick_sock(which);
	uint8_t who = u8(r);
	size_t len = u8(r) % 64;
	uint8_t buf[64];
	uint32_t ip;
	uint16_t port;

	for (size_t i = 0; i < len; i++)
		buf[i] = u8(r);
	switch (who % 4) {
	case 0:
		ip = client_ip(who / 4);
		port = client_ports[who / 16 % 2];
		break;
	case 1:
	case 2:
		ip = server_ip(who / 4);
		port = server_tids[who / 8 % 3];
		break;
	default:
		ip = STRANGER;
		port = 4444;
		break;
	}
	if (sock < 0)
		return;
	add_source(ip, port);
	{
		/* Bit 4 of `who`: it came in on the other interface than the
		 * one its kind uses. A fetch socket says nothing at all to a
		 * packet from the clients' link. */
		bool up = (who % 4 == 1 || who % 4 == 2) != !!(who & 0x10);
		bool fetch_sock = sock < FIRST_SOCK + NSOCK && W.open[sock] && W.bound[sock] == 0;
		unsigned long before = W.sends;

		tftp_proxy_input(W.px, sock, buf, len, tftp_addr4(ip), port, up ? UP_IF : LINK_IF,
				 W.now);
		if (fetch_sock && !up)
			FUZZ_CHECK(W.sends == before);
	}
}

FUZZ_NO_COV static void ev_clock(struct rd *r)
{
	static const int64_t steps[] = { 1, 500, 1000, 3000, 4000, 30000, 120000,
					 25LL * 3600 * 1000 };
	int64_t end = W.now + steps[u8(r) % 8];

	for (int i = 0; i < 64; i++) {
		int d = tftp_proxy_tick(W.px, W.now);

		if (d < 0 || W.now + (d ? d : 1) > end)
			break;
		W.now += d ? d : 1;
	}
	W.now = end;
	tftp_proxy_tick(W.px, W.now);
}

/* The event loop's tick, or (odd byte) a restart of the daemon: the proxy
 * is freed with whatever runs and made again; the cache-dir stays. */
FUZZ_NO_COV static void ev_tick_or_restart(struct rd *r, const struct tftp_proxy_cfg *cfg,
					   const struct tftp_io *io)
{
	if (!(u8(r) & 1)) {
		tftp_proxy_tick(W.px, W.now);
		return;
	}
	tftp_proxy_free(W.px);
	FUZZ_CHECK(W.opens == W.closes);
	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++)
		FUZZ_CHECK(!W.open[s]);
	memset(W.last_client, 0, sizeof(W.last_client));
	memset(W.last_server, 0, sizeof(W.last_server));
	W.px = tftp_proxy_new(cfg, io);
	FUZZ_CHECK(W.px);
}

/* After every event: one socket per live session and fetch, within the
 * limits; the timer is armed exactly when something is live. */
FUZZ_NO_COV static void check_state(void)
{
	unsigned sessions, fetches, open = 0;
	uint64_t cached;
	int d;

	tftp_proxy_usage(W.px, &sessions, &fetches, &cached);
	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++)
		open += W.open[s];
	FUZZ_CHECK(W.opens - W.closes == open);
	FUZZ_CHECK(open == sessions + fetches);
	/* Confirmed sessions and as many on probation. */
	FUZZ_CHECK(sessions <= 2 * W.max_sessions);
	FUZZ_CHECK(tftp_proxy_held(W.px) <= W.cache_size);
	FUZZ_CHECK(fetches <= (W.max_sessions ? W.max_sessions : 1));
	d = tftp_proxy_tick(W.px, W.now);
	FUZZ_CHECK(d <= 60000);
	FUZZ_CHECK((d < 0) == (sessions + fetches == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t cache_sizes[] = { 1 << 20, 0, 1000, 100000 };
	static const unsigned up_blksizes[] = { 1428, 512, 8, 65464 };
	static const unsigned up_windows[] = { 8, 1, 2, 64 };
	static const int64_t max_ages[] = { 3600000, 0, 1000, 60000 };
	struct rd r = { data, size };
	static const int64_t fetch_timeouts[] = { 0, 30000, 5000, 600000 };
	struct tftp_io io = { .open = fake_open, .open_upstream = fake_open_upstream,
			      .close = fake_close, .send = fake_send };
	uint8_t age;
	struct tftp_proxy_cfg cfg;
	unsigned events = 0;
	uint8_t per_client;

	memset(&W, 0, sizeof(W));
	W.now = T0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.cache_size = cache_sizes[u8(&r) % 4];
	cfg.max_sessions = 1 + u8(&r) % 8;
	per_client = u8(&r);
	cfg.max_per_client = 1 + (per_client & 0x7f) % 3;
	if (per_client & 0x80) {
		io.load = fake_load;
		io.store = fake_store;
	}
	cfg.upstream_blksize = up_blksizes[u8(&r) % 4];
	cfg.upstream_windowsize = up_windows[u8(&r) % 4];
	age = u8(&r);
	cfg.cache_max_age_ms = max_ages[age % 4];
	cfg.fetch_timeout_ms = fetch_timeouts[age / 4 % 4];
	W.cache_size = cfg.cache_size;
	W.max_sessions = cfg.max_sessions;
	W.px = tftp_proxy_new(&cfg, &io);
	FUZZ_CHECK(W.px);

	while (r.left && events++ < MAX_EVENTS) {
		switch (u8(&r) % 8) {
		case 0: ev_learn(&r); break;
		case 1: ev_request(&r); break;
		case 2: ev_raw_request(&r); break;
		case 3: ev_client_answer(&r); break;
		case 4: ev_server_answer(&r); break;
		case 5: ev_raw_packet(&r); break;
		case 6: ev_clock(&r); break;
		default: ev_tick_or_restart(&r, &cfg, &io); break;
		}
		check_state();
	}

	tftp_proxy_free(W.px);
	for (unsigned i = 0; i < W.ndisk; i++)
		free(W.disk[i].data);
	FUZZ_CHECK(W.opens == W.closes);
	for (int s = FIRST_SOCK; s < FIRST_SOCK + NSOCK; s++)
		FUZZ_CHECK(!W.open[s]);
	return 0;
}
