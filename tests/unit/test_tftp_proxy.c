/* Unit tests for tftp_proxy.c: the TFTP proxy's state machine, driven
 * without sockets. A fake struct tftp_io hands out socket ids (lowest
 * free, like file descriptors) and records every datagram sent; the tests
 * play the boot server and the PXE clients, and a fake clock drives the
 * retransmission timers through tftp_proxy_tick.
 *
 * Every test ends with world_end(): tftp_proxy_free, then every socket the
 * proxy opened must be closed exactly once, nothing may have been sent on
 * a closed socket, and every datagram sent must have been checked by the
 * test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tftp_proto.h"
#include "tftp_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOCKS 256
#define FIRST_SOCK 3
#define T0 100000             /* the fake clock starts here, not at 0 */

#define CLIENT_PORT 2070
#define SERVER_TID 50123      /* the boot server's port for a transfer */
#define TFTP_PORT 69

static struct tftp_addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, bytes, 4);
	return tftp_addr4(v);
}

#define LOCAL_IP  ip4(10, 20, 0, 1)     /* the relay on the clients' link */
#define SERVER_IP ip4(10, 0, 0, 5)      /* the real boot server */
#define SERVER2_IP ip4(10, 0, 0, 6)
#define C1 ip4(10, 20, 0, 51)
#define C2 ip4(10, 20, 0, 52)
#define C3 ip4(10, 20, 0, 53)
#define C4 ip4(10, 20, 0, 54)
#define STRANGER ip4(192, 0, 2, 99)

/* An IPv6 client, and the relay's IPv6 address on its link. */
static struct tftp_addr ip6(const char *text)
{
	struct tftp_addr a;

	assert_int_equal(inet_pton(AF_INET6, text, a.b), 1);
	return a;
}
#define C6 ip6("2001:db8:20::51")
#define LOCAL6 ip6("2001:db8:20::1")
/* The address a client fetches from: ours on its link, of its family. */
#define LOCAL_FOR(cip) (tftp_addr_is4(cip) ? LOCAL_IP : LOCAL6)

#define LINK_IF 5                       /* the clients' link */
#define UP_IF 2                         /* the route toward the boot servers */

/* ---- the fake world: io, clock, send log ---- */

struct sendrec {
	int sock;
	struct tftp_addr ip;
	uint16_t port;
	uint8_t *bytes;
	size_t len;
	int64_t at;
	bool seen;
};

/* A file on the fake cache-dir. */
struct disk_file {
	struct tftp_addr server;
	char path[TFTP_PATH_MAX];
	uint8_t *data;
	size_t len;
	int64_t stored_ms;
};

#define DISK_FILES 4

struct world {
	struct tftp_proxy *px;               /* NULL once freed */
	struct tftp_io io;
	int64_t now;
	bool open[MAX_SOCKS];
	struct tftp_addr bound[MAX_SOCKS];
	unsigned opens, closes, bad_closes, bad_sends;
	int last_session_sock, last_fetch_sock;
	struct sendrec *sends;
	size_t nsends, cap, scan;
	/* The fake cache-dir (io.load/io.store), when the test wants one. */
	struct disk_file disk[DISK_FILES];
	unsigned ndisk, loads, stores;
	int64_t load_max_age;
};

/* What the running test holds, freed by the teardown even when an
 * assertion ends the test early (so that LeakSanitizer reports only the
 * proxy's own leaks). */
static struct world *live_world;
static uint8_t *live_files[8];
static unsigned nlive_files;

static int fake_open(void *user, struct tftp_addr local_ip)
{
	struct world *w = user;

	for (int s = FIRST_SOCK; s < MAX_SOCKS; s++) {
		if (w->open[s])
			continue;
		w->open[s] = true;
		w->bound[s] = local_ip;
		w->opens++;
		if (tftp_addr_unset(local_ip))
			w->last_fetch_sock = s;
		else
			w->last_session_sock = s;
		return s;
	}
	return -EMFILE;
}

/* Every boot server is reached through UP_IF. */
static int fake_open_upstream(void *user, struct tftp_addr server_ip, int *ifindex)
{
	(void)server_ip;
	*ifindex = UP_IF;
	return fake_open(user, (struct tftp_addr){ { 0 } });
}

static void fake_close(void *user, int sock)
{
	struct world *w = user;

	if (sock < FIRST_SOCK || sock >= MAX_SOCKS || !w->open[sock]) {
		w->bad_closes++;
		return;
	}
	w->open[sock] = false;
	w->closes++;
}

static int fake_send(void *user, int sock, struct tftp_addr ip, uint16_t port, const uint8_t *buf,
		     size_t len)
{
	struct world *w = user;
	struct sendrec *r;

	if (sock < FIRST_SOCK || sock >= MAX_SOCKS || !w->open[sock])
		w->bad_sends++;
	if (w->nsends == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->sends = realloc(w->sends, w->cap * sizeof(*w->sends));
		assert_non_null(w->sends);
	}
	r = &w->sends[w->nsends++];
	*r = (struct sendrec){ .sock = sock, .ip = ip, .port = port, .len = len, .at = w->now };
	r->bytes = malloc(len ? len : 1);
	assert_non_null(r->bytes);
	memcpy(r->bytes, buf, len);
	return 0;
}

static struct disk_file *disk_lookup(struct world *w, struct tftp_addr server, const char *path)
{
	for (unsigned i = 0; i < w->ndisk; i++)
		if (tftp_addr_eq(w->disk[i].server, server) && strcmp(w->disk[i].path, path) == 0)
			return &w->disk[i];
	return NULL;
}

/* Like a directory of files with their mtime: too old reads as absent. */
static int fake_load(void *user, struct tftp_addr server, const char *path, int64_t max_age_ms,
		     uint8_t **data, size_t *len, int64_t *age_ms)
{
	struct world *w = user;
	struct disk_file *f = disk_lookup(w, server, path);

	w->loads++;
	w->load_max_age = max_age_ms;
	if (!f || w->now - f->stored_ms > max_age_ms)
		return -ENOENT;
	*data = malloc(f->len ? f->len : 1);
	assert_non_null(*data);
	if (f->len)
		memcpy(*data, f->data, f->len);
	*len = f->len;
	*age_ms = w->now - f->stored_ms;
	return 0;
}

static void fake_store(void *user, struct tftp_addr server, const char *path, const uint8_t *data,
		       size_t len)
{
	struct world *w = user;
	struct disk_file *f = disk_lookup(w, server, path);

	w->stores++;
	if (!f) {
		assert_true(w->ndisk < DISK_FILES);
		f = &w->disk[w->ndisk++];
		f->server = server;
		snprintf(f->path, sizeof(f->path), "%s", path);
	}
	free(f->data);
	f->data = malloc(len ? len : 1);
	assert_non_null(f->data);
	if (len)
		memcpy(f->data, data, len);
	f->len = len;
	f->stored_ms = w->now;
}

static struct tftp_proxy_cfg default_cfg(void)
{
	struct tftp_proxy_cfg c = {
		.cache_size = 1 << 20,
		.max_sessions = 16,
		.max_per_client = 4,
		.upstream_blksize = 1428,
		.upstream_windowsize = 8,
		.cache_max_age_ms = 3600 * 1000,
	};

	return c;
}

static struct world *world_new_io(const struct tftp_proxy_cfg *cfg, bool disk)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->io = (struct tftp_io){ .user = w, .open = fake_open,
				  .open_upstream = fake_open_upstream, .close = fake_close,
				  .send = fake_send };
	if (disk) {
		w->io.load = fake_load;
		w->io.store = fake_store;
	}
	w->now = T0;
	w->last_session_sock = w->last_fetch_sock = -1;
	w->px = tftp_proxy_new(cfg, &w->io);
	assert_non_null(w->px);
	live_world = w;
	return w;
}

/* Memory only (io.load and io.store NULL). */
static struct world *world_new(const struct tftp_proxy_cfg *cfg)
{
	return world_new_io(cfg, false);
}

/* The daemon restarts: a new proxy on the same io (and cache-dir); every
 * socket of the old one must be closed. */
static void world_restart(struct world *w, const struct tftp_proxy_cfg *cfg)
{
	tftp_proxy_free(w->px);
	w->px = NULL;
	for (int s = 0; s < MAX_SOCKS; s++)
		assert_false(w->open[s]);
	w->px = tftp_proxy_new(cfg, &w->io);
	assert_non_null(w->px);
}

static void describe(const struct sendrec *r)
{
	struct tftp_pkt p;
	char a[64];

	tftp_addr_text(r->ip, a, sizeof(a));
	if (tftp_parse(r->bytes, r->len, &p) < 0) {
		print_message("  sock %d -> %s:%u: %zu unparsable bytes\n", r->sock, a, r->port,
			      r->len);
		return;
	}
	print_message("  t=%lld sock %d -> %s:%u: op %d block %u len %zu err %u '%s'\n",
		      (long long)(r->at - T0), r->sock, a, r->port, p.op, p.block, p.data_len,
		      p.error_code, p.error_msg);
}

static void dump_unseen(const struct world *w)
{
	for (size_t i = w->scan; i < w->nsends; i++)
		if (!w->sends[i].seen)
			describe(&w->sends[i]);
}

static void world_release(struct world *w)
{
	tftp_proxy_free(w->px);
	for (unsigned i = 0; i < w->ndisk; i++)
		free(w->disk[i].data);
	for (size_t i = 0; i < w->nsends; i++)
		free(w->sends[i].bytes);
	free(w->sends);
	free(w);
}

static int cleanup(void **state)
{
	(void)state;
	if (live_world)
		world_release(live_world);
	live_world = NULL;
	while (nlive_files)
		free(live_files[--nlive_files]);
	return 0;
}

/* Free the proxy; every socket it opened is closed exactly once, nothing
 * went out on a closed socket, and the test checked every send. */
static void world_end(struct world *w)
{
	size_t unseen = 0;

	tftp_proxy_free(w->px);
	w->px = NULL;
	for (size_t i = 0; i < w->nsends; i++)
		unseen += !w->sends[i].seen;
	if (unseen)
		dump_unseen(w);
	assert_int_equal(unseen, 0);
	assert_int_equal(w->bad_closes, 0);
	assert_int_equal(w->bad_sends, 0);
	assert_int_equal(w->opens, w->closes);
	for (int s = 0; s < MAX_SOCKS; s++)
		assert_false(w->open[s]);
	world_release(w);
	live_world = NULL;
}

static unsigned open_socks(const struct world *w)
{
	unsigned n = 0;

	for (int s = 0; s < MAX_SOCKS; s++)
		n += w->open[s];
	return n;
}

static void assert_usage(const struct world *w, unsigned sessions, unsigned fetches,
			 uint64_t cached)
{
	unsigned s, f;
	uint64_t c;

	tftp_proxy_usage(w->px, &s, &f, &c);
	assert_int_equal(s, sessions);
	assert_int_equal(f, fetches);
	assert_int_equal(c, cached);
}

/* Run the event loop's timer side until now + ms: tick at every deadline
 * tftp_proxy_tick announces. */
static void advance(struct world *w, int64_t ms)
{
	int64_t end = w->now + ms;

	for (;;) {
		int d = tftp_proxy_tick(w->px, w->now);

		if (d < 0 || w->now + (d ? d : 1) > end)
			break;
		w->now += d ? d : 1;
	}
	w->now = end;
	tftp_proxy_tick(w->px, w->now);
}

/* ---- the send log ---- */

static bool matches(const struct sendrec *r, struct tftp_addr ip, uint16_t port)
{
	return !r->seen && tftp_addr_eq(r->ip, ip) && (port == 0 || r->port == port);
}

/* The oldest unchecked datagram to ip:port (port 0: any), or NULL. */
static struct sendrec *peek_to(struct world *w, struct tftp_addr ip, uint16_t port)
{
	while (w->scan < w->nsends && w->sends[w->scan].seen)
		w->scan++;
	for (size_t i = w->scan; i < w->nsends; i++)
		if (matches(&w->sends[i], ip, port))
			return &w->sends[i];
	return NULL;
}

static size_t pending_to(struct world *w, struct tftp_addr ip, uint16_t port)
{
	size_t n = 0;

	peek_to(w, ip, port);
	for (size_t i = w->scan; i < w->nsends; i++)
		n += matches(&w->sends[i], ip, port);
	return n;
}

static struct sendrec *take_to(struct world *w, struct tftp_addr ip, uint16_t port, struct tftp_pkt *p)
{
	struct sendrec *r = peek_to(w, ip, port);

	if (!r) {
		char a[64];

		print_message("nothing sent to %s:%u; unchecked:\n", tftp_addr_text(ip, a, sizeof(a)),
			      port);
		dump_unseen(w);
		fail();
	}
	r->seen = true;
	assert_int_equal(tftp_parse(r->bytes, r->len, p), 0);
	return r;
}

static void assert_nothing_to(struct world *w, struct tftp_addr ip)
{
	if (pending_to(w, ip, 0)) {
		char a[64];

		print_message("unexpected datagrams to %s:\n", tftp_addr_text(ip, a, sizeof(a)));
		dump_unseen(w);
		fail();
	}
}

/* The upstream RRQ: to the server's port 69, asking for our options. */
static int expect_rrq(struct world *w, struct tftp_addr server, const char *path, struct tftp_pkt *p)
{
	struct sendrec *r = take_to(w, server, TFTP_PORT, p);

	assert_int_equal(p->op, TFTP_RRQ);
	assert_string_equal(p->path, path);
	assert_string_equal(p->mode, "octet");
	assert_true(tftp_addr_unset(w->bound[r->sock]));
	return r->sock;
}

static void expect_ack(struct world *w, int fsock, uint16_t block)
{
	struct tftp_pkt p;
	struct sendrec *r = take_to(w, SERVER_IP, SERVER_TID, &p);

	if (p.op != TFTP_ACK || p.block != block) {
		print_message("want ACK %u, got:\n", block);
		describe(r);
		fail();
	}
	assert_int_equal(r->sock, fsock);
}

static int expect_data(struct world *w, int sock, struct tftp_addr cip, uint16_t cport, uint16_t block,
		       const uint8_t *want, size_t n)
{
	struct tftp_pkt p;
	struct sendrec *r = take_to(w, cip, cport, &p);

	if (p.op != TFTP_DATA || p.block != block || p.data_len != n) {
		print_message("want DATA %u (%zu bytes), got:\n", block, n);
		describe(r);
		fail();
	}
	assert_memory_equal(p.data, want, n);
	if (sock >= 0)
		assert_int_equal(r->sock, sock);
	assert_true(tftp_addr_eq(w->bound[r->sock], LOCAL_FOR(cip)));
	return r->sock;
}

static int expect_oack(struct world *w, struct tftp_addr cip, uint16_t cport, struct tftp_opts *o)
{
	struct tftp_pkt p;
	struct sendrec *r = take_to(w, cip, cport, &p);

	if (p.op != TFTP_OACK) {
		print_message("want OACK, got:\n");
		describe(r);
		fail();
	}
	assert_false(p.bad_option);
	*o = p.opts;
	return r->sock;
}

static int expect_error(struct world *w, struct tftp_addr ip, uint16_t port, uint16_t code)
{
	struct tftp_pkt p;
	struct sendrec *r = take_to(w, ip, port, &p);

	if (p.op != TFTP_ERROR || p.error_code != code) {
		print_message("want ERROR %u, got:\n", code);
		describe(r);
		fail();
	}
	return r->sock;
}

/* ---- what the clients and the server send ---- */

static void client_rrq(struct world *w, struct tftp_addr cip, uint16_t cport, const char *path,
		       const struct tftp_opts *o, unsigned mtu)
{
	uint8_t buf[600];
	int n = tftp_build_rrq(buf, sizeof(buf), path, o);

	assert_true(n > 0);
	tftp_proxy_request(w->px, buf, (size_t)n, cip, cport, LOCAL_FOR(cip), mtu, w->now);
}

static void client_ack(struct world *w, int sock, struct tftp_addr cip, uint16_t cport, uint16_t block)
{
	uint8_t buf[4];

	tftp_build_ack(buf, sizeof(buf), block);
	tftp_proxy_input(w->px, sock, buf, 4, cip, cport, LINK_IF, w->now);
}

static void send_error_to(struct world *w, int sock, struct tftp_addr ip, uint16_t port, uint16_t code,
			  const char *msg)
{
	uint8_t buf[200];
	int n = tftp_build_error(buf, sizeof(buf), code, msg);

	tftp_proxy_input(w->px, sock, buf, (size_t)n, ip, port,
			 tftp_addr_eq(ip, SERVER_IP) || tftp_addr_eq(ip, SERVER2_IP) ? UP_IF : LINK_IF,
			 w->now);
}

static void server_oack(struct world *w, int fsock, const struct tftp_opts *o)
{
	uint8_t buf[200];
	int n = tftp_build_oack(buf, sizeof(buf), o);

	tftp_proxy_input(w->px, fsock, buf, (size_t)n, SERVER_IP, SERVER_TID, UP_IF, w->now);
}

static void server_data(struct world *w, int fsock, uint16_t block, const uint8_t *d, size_t n)
{
	uint8_t *buf = malloc(4 + n);

	assert_non_null(buf);
	tftp_build_data_hdr(buf, 4, block);
	if (n)
		memcpy(buf + 4, d, n);
	tftp_proxy_input(w->px, fsock, buf, 4 + n, SERVER_IP, SERVER_TID, UP_IF, w->now);
	free(buf);
}

static struct tftp_opts granted(uint32_t blksize, uint64_t tsize, uint32_t windowsize)
{
	struct tftp_opts o = {
		.has_blksize = true, .blksize = blksize,
		.has_tsize = true, .tsize = tsize,
		.has_windowsize = windowsize > 0, .windowsize = windowsize,
	};

	return o;
}

/* ---- files and scripted peers ---- */

/* A file's bytes, freed by the teardown. */
static uint8_t *make_file(size_t n, unsigned seed)
{
	uint8_t *f = malloc(n ? n : 1);

	assert_non_null(f);
	assert_true(nlive_files < sizeof(live_files) / sizeof(live_files[0]));
	live_files[nlive_files++] = f;
	for (size_t i = 0; i < n; i++)
		f[i] = (uint8_t)(i * 131 + seed * 29 + (i >> 8));
	return f;
}

static uint64_t nblocks(size_t size, unsigned blk)
{
	return size / blk + 1;          /* the last block is short, maybe empty */
}

/* Play the boot server: send blocks from..to of the file (blk bytes each)
 * after an OACK that granted `window`, and check the relay ACKs at every
 * window boundary and at the last block, and nowhere else. */
static void serve_range(struct world *w, int fsock, const uint8_t *file, size_t size,
			unsigned blk, unsigned window, uint64_t from, uint64_t to)
{
	uint64_t last = nblocks(size, blk);

	for (uint64_t b = from; b <= to; b++) {
		size_t off = (size_t)(b - 1) * blk;
		size_t n = size - off < blk ? size - off : blk;

		server_data(w, fsock, (uint16_t)b, file + off, n);
		if (b % window == 0 || b == last)
			expect_ack(w, fsock, (uint16_t)b);
		else
			assert_nothing_to(w, SERVER_IP);
	}
}

static void serve_all(struct world *w, int fsock, const uint8_t *file, size_t size, unsigned blk,
		      unsigned window)
{
	serve_range(w, fsock, file, size, blk, window, 1, nblocks(size, blk));
}

/* Play a client that holds the session on sock, has acknowledged `acked`
 * blocks and already took the blocks before `next`: take each window (and
 * nothing beyond it), check every byte, ACK the window's last block, until
 * the short block. The session must then be over and its socket closed. */
static void client_drain_from(struct world *w, int sock, struct tftp_addr cip, uint16_t cport,
			      const uint8_t *file, size_t size, unsigned blk, unsigned window,
			      uint64_t acked, uint64_t next)
{
	uint64_t total = nblocks(size, blk);

	while (acked < total) {
		uint64_t last = acked + window < total ? acked + window : total;

		for (uint64_t b = next > acked + 1 ? next : acked + 1; b <= last; b++) {
			size_t off = (size_t)(b - 1) * blk;
			size_t n = size - off < blk ? size - off : blk;

			expect_data(w, sock, cip, cport, (uint16_t)b, file + off, n);
		}
		assert_int_equal(pending_to(w, cip, cport), 0);   /* never past the window */
		client_ack(w, sock, cip, cport, (uint16_t)last);
		acked = last;
	}
	assert_int_equal(pending_to(w, cip, cport), 0);
	assert_false(w->open[sock]);
}

static void client_drain(struct world *w, int sock, struct tftp_addr cip, uint16_t cport,
			 const uint8_t *file, size_t size, unsigned blk, unsigned window,
			 uint64_t acked)
{
	client_drain_from(w, sock, cip, cport, file, size, blk, window, acked, acked + 1);
}

/* A client (learned, no options) whose whole file is fetched and read,
 * leaving a complete cache entry. */
static void fetch_and_read(struct world *w, struct tftp_addr cip, const char *path, const uint8_t *file,
			   size_t size)
{
	struct tftp_opts o = granted(1428, size, 8);
	struct tftp_pkt rrq;
	int fsock, ssock;

	client_rrq(w, cip, CLIENT_PORT, path, NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, path, &rrq);
	server_oack(w, fsock, &o);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, size, 1428, 8);
	client_drain(w, ssock, cip, CLIENT_PORT, file, size, 512, 1, 0);
}

/* ---- scenarios ---- */

static void test_plain_rrq_lockstep_through_an_upstream_fetch(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(3000, 1);
	struct tftp_opts o = granted(1428, 3000, 8);
	const struct tftp_stats *st = tftp_proxy_stats(w->px);
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	assert_true(tftp_addr_eq(w->bound[ssock], LOCAL_IP));

	/* One RRQ upstream, to port 69 of the learned server, from a socket
	 * of its own, asking a large blksize, the size and a window. */
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	assert_int_not_equal(fsock, ssock);
	assert_true(rrq.opts.has_blksize);
	assert_int_equal(rrq.opts.blksize, 1428);
	assert_true(rrq.opts.has_tsize);
	assert_int_equal(rrq.opts.tsize, 0);
	assert_true(rrq.opts.has_windowsize);
	assert_int_equal(rrq.opts.windowsize, 8);
	assert_nothing_to(w, C1);
	assert_usage(w, 1, 1, 0);

	server_oack(w, fsock, &o);
	expect_ack(w, fsock, 0);
	assert_nothing_to(w, C1);         /* no options asked: no OACK */

	/* 1428 bytes upstream: DATA 1 to the client, and not DATA 2 before
	 * its ACK (RFC 1350 lockstep). */
	server_data(w, fsock, 1, file, 1428);
	assert_nothing_to(w, SERVER_IP);  /* mid-window: no ACK yet */
	expect_data(w, ssock, C1, CLIENT_PORT, 1, file, 512);
	assert_nothing_to(w, C1);
	client_ack(w, ssock, C1, CLIENT_PORT, 1);
	expect_data(w, ssock, C1, CLIENT_PORT, 2, file + 512, 512);
	assert_nothing_to(w, C1);
	/* Block 3 needs bytes the relay does not have yet. */
	client_ack(w, ssock, C1, CLIENT_PORT, 2);
	assert_nothing_to(w, C1);
	server_data(w, fsock, 2, file + 1428, 1428);
	expect_data(w, ssock, C1, CLIENT_PORT, 3, file + 1024, 512);
	/* The short block ends the upstream transfer: ACK and close. */
	server_data(w, fsock, 3, file + 2856, 144);
	expect_ack(w, fsock, 3);
	assert_false(w->open[fsock]);
	assert_usage(w, 1, 0, 3000);
	assert_nothing_to(w, C1);

	client_drain_from(w, ssock, C1, CLIENT_PORT, file, 3000, 512, 1, 2, 4);
	assert_usage(w, 0, 0, 3000);
	assert_int_equal(st->sessions, 1);
	assert_int_equal(st->cache_misses, 1);
	assert_int_equal(st->upstream_transfers, 1);
	assert_int_equal(st->upstream_bytes, 3000);
	assert_int_equal(st->bytes_served, 3000);
	assert_int_equal(st->upstream_failures, 0);
	assert_int_equal(st->errors_sent, 0);
	assert_int_equal(tftp_proxy_tick(w->px, w->now), -1);   /* nothing pending */
	world_end(w);
}

static void test_client_options_oack_waits_for_upstream_size(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(10000, 2);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 1468, .has_tsize = true,
				 .tsize = 0, .has_windowsize = true, .windowsize = 4 };
	struct tftp_opts up = granted(1428, 10000, 8), got;
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "boot/grubx64.efi", &ask, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "boot/grubx64.efi", &rrq);
	/* RFC 2349: the client wants the size, the relay does not know it
	 * yet: no OACK until the upstream OACK says it. */
	assert_nothing_to(w, C1);
	advance(w, 200);
	assert_nothing_to(w, C1);

	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	assert_int_equal(expect_oack(w, C1, CLIENT_PORT, &got), ssock);
	assert_true(got.has_tsize);
	assert_int_equal(got.tsize, 10000);
	assert_true(got.has_blksize);
	assert_int_equal(got.blksize, 1468);
	assert_true(got.has_windowsize);
	assert_int_equal(got.windowsize, 4);
	assert_false(got.has_timeout);
	/* No data before ACK 0 (RFC 2347). */
	server_data(w, fsock, 1, file, 1428);
	server_data(w, fsock, 2, file + 1428, 1428);
	assert_nothing_to(w, C1);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	/* ACK 0: the first block is there (2856 bytes), the second not. */
	expect_data(w, ssock, C1, CLIENT_PORT, 1, file, 1468);
	assert_nothing_to(w, C1);
	serve_range(w, fsock, file, 10000, 1428, 8, 3, nblocks(10000, 1428));
	/* As data came, the rest of the window 1..4 went out. */
	client_drain_from(w, ssock, C1, CLIENT_PORT, file, 10000, 1468, 4, 0, 2);
	assert_usage(w, 0, 0, 10000);
	world_end(w);
}

static void test_blksize_clamped_to_link_mtu(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const struct {
		uint32_t ask;
		unsigned mtu;
		uint32_t want;
	} cases[] = {
		{ 8192, 1500, 1468 },   /* more than a frame: mtu - 20 - 8 - 4 */
		{ 8192, 9000, 8192 },   /* jumbo frames: as asked */
		{ 512, 1500, 512 },     /* less than a frame: as asked */
		{ 65464, 0, 1468 },     /* mtu unknown: 1500 */
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct tftp_addr clients[] = { C1, C2, C3, C4 };
	int socks[4];
	uint8_t *file = make_file(20000, 3);
	struct tftp_opts up = granted(1428, 20000, 8);
	struct tftp_pkt rrq;
	int fsock;

	(void)state;
	for (size_t i = 0; i < ncases; i++) {
		struct tftp_opts ask = { .has_blksize = true, .blksize = cases[i].ask };
		struct tftp_opts got;

		if (i == 3) {
			ask.has_timeout = true;
			ask.timeout = 3;
		}
		tftp_proxy_learn(w->px, clients[i], SERVER_IP, w->now);
		client_rrq(w, clients[i], CLIENT_PORT, "vmlinuz", &ask, cases[i].mtu);
		/* No tsize asked: the OACK need not wait. */
		socks[i] = expect_oack(w, clients[i], CLIENT_PORT, &got);
		assert_true(got.has_blksize);
		assert_int_equal(got.blksize, cases[i].want);
		assert_false(got.has_tsize);
		assert_false(got.has_windowsize);
		assert_int_equal(got.has_timeout, i == 3);
		if (i == 3)
			assert_int_equal(got.timeout, 3);
		client_ack(w, socks[i], clients[i], CLIENT_PORT, 0);
	}
	fsock = expect_rrq(w, SERVER_IP, "vmlinuz", &rrq);
	assert_nothing_to(w, SERVER_IP);       /* the other three coalesced */
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 20000, 1428, 8);
	for (size_t i = 0; i < ncases; i++)
		client_drain(w, socks[i], clients[i], CLIENT_PORT, file, 20000, cases[i].want, 1, 0);
	assert_usage(w, 0, 0, 20000);
	world_end(w);
}

/* An IPv6 client (a DHCPv6 Reply leased it its address) booting from an
 * IPv4 server: each block fits one IPv6 frame, mtu - 40 - 8 - 4; the
 * IPv4 address ending in the same four bytes is not the client. */
static void test_ipv6_client_blocks_fit_an_ipv6_frame_and_boot_from_an_ipv4_server(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 8192 }, got;
	struct tftp_opts up = granted(1428, 20000, 8);
	struct tftp_addr lookalike = tftp_addr4(tftp_addr_to4(C6));
	uint8_t *file = make_file(20000, 6);
	struct tftp_pkt rrq;
	int sock, fsock;

	(void)state;
	client_rrq(w, C6, CLIENT_PORT, "ipxe.efi", &ask, 1500);
	expect_error(w, C6, CLIENT_PORT, TFTP_EACCESS);       /* nothing learned yet */
	tftp_proxy_learn(w->px, C6, SERVER_IP, w->now);
	client_rrq(w, C6, CLIENT_PORT, "ipxe.efi", &ask, 1500);
	sock = expect_oack(w, C6, CLIENT_PORT, &got);
	assert_true(tftp_addr_eq(w->bound[sock], LOCAL6));
	assert_int_equal(got.blksize, 1448);
	client_ack(w, sock, lookalike, CLIENT_PORT, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->unknown_tid, 1);
	expect_error(w, lookalike, CLIENT_PORT, TFTP_EBADID);
	client_ack(w, sock, C6, CLIENT_PORT, 0);
	fsock = expect_rrq(w, SERVER_IP, "ipxe.efi", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 20000, 1428, 8);
	client_drain(w, sock, C6, CLIENT_PORT, file, 20000, 1448, 1, 0);
	assert_usage(w, 0, 0, 20000);
	world_end(w);
}

static void test_file_multiple_of_blksize_ends_with_empty_block(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(2048, 4);
	struct tftp_opts up = granted(1024, 2048, 2);
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	cfg.upstream_blksize = 1024;
	cfg.upstream_windowsize = 2;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "f2048", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "f2048", &rrq);
	assert_int_equal(rrq.opts.blksize, 1024);
	assert_int_equal(rrq.opts.windowsize, 2);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	/* Upstream: 1024, 1024, then an empty block 3 ends it. */
	server_data(w, fsock, 1, file, 1024);
	server_data(w, fsock, 2, file + 1024, 1024);
	expect_ack(w, fsock, 2);
	assert_true(w->open[fsock]);
	server_data(w, fsock, 3, file + 2048, 0);
	expect_ack(w, fsock, 3);
	assert_false(w->open[fsock]);
	/* Client side: four full 512-byte blocks, then DATA 5 with 0 bytes. */
	client_drain(w, ssock, C1, CLIENT_PORT, file, 2048, 512, 1, 0);
	assert_usage(w, 0, 0, 2048);
	world_end(w);
}

/* A 0-byte file has no data buffer at all: under make asan this also
 * checks that no memcpy is handed its NULL pointer (entry_append and
 * session_send_from once did, with length 0). */
static void test_zero_byte_file(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_opts ask = { .has_tsize = true };
	struct tftp_opts up = granted(1428, 0, 8), got;
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "empty.cfg", &ask, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "empty.cfg", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	expect_oack(w, C1, CLIENT_PORT, &got);
	assert_true(got.has_tsize);
	assert_int_equal(got.tsize, 0);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	server_data(w, fsock, 1, NULL, 0);
	expect_ack(w, fsock, 1);
	assert_false(w->open[fsock]);
	expect_data(w, ssock, C1, CLIENT_PORT, 1, NULL, 0);
	client_ack(w, ssock, C1, CLIENT_PORT, 1);
	assert_false(w->open[ssock]);
	assert_usage(w, 0, 0, 0);

	/* From the cache, without options: DATA 1 empty, ACK 1, done. */
	tftp_proxy_learn(w->px, C2, SERVER_IP, w->now);
	client_rrq(w, C2, CLIENT_PORT, "empty.cfg", NULL, 1500);
	ssock = expect_data(w, -1, C2, CLIENT_PORT, 1, NULL, 0);
	client_ack(w, ssock, C2, CLIENT_PORT, 1);
	assert_false(w->open[ssock]);
	assert_nothing_to(w, SERVER_IP);
	assert_int_equal(tftp_proxy_stats(w->px)->cache_hits, 1);
	world_end(w);
}

static void test_second_client_coalesces_and_third_is_a_cache_hit(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	const size_t size = 30000;
	uint8_t *file = make_file(size, 5);
	struct tftp_opts up = granted(1428, size, 8);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 1024, .has_windowsize = true,
				 .windowsize = 8 };
	struct tftp_opts got;
	const struct tftp_stats *st = tftp_proxy_stats(w->px);
	struct tftp_pkt rrq;
	unsigned opens;
	size_t upstream_sends;
	int fsock, s1, s2, s3;

	(void)state;
	/* Each client is learned right before it asks (DHCP then TFTP). */
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ipxe.efi", NULL, 1500);
	s1 = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "ipxe.efi", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_range(w, fsock, file, size, 1428, 8, 1, 5);

	/* The second client while the fetch runs: one more socket (its
	 * session), no second RRQ. */
	tftp_proxy_learn(w->px, C2, SERVER_IP, w->now);
	opens = w->opens;
	client_rrq(w, C2, CLIENT_PORT + 1, "ipxe.efi", &ask, 1500);
	s2 = expect_oack(w, C2, CLIENT_PORT + 1, &got);
	assert_int_equal(got.blksize, 1024);
	assert_int_equal(got.windowsize, 8);
	assert_int_equal(w->opens, opens + 1);
	assert_nothing_to(w, SERVER_IP);
	assert_int_equal(st->coalesced, 1);
	assert_usage(w, 2, 1, 5 * 1428);
	client_ack(w, s2, C2, CLIENT_PORT + 1, 0);

	serve_range(w, fsock, file, size, 1428, 8, 6, nblocks(size, 1428));
	assert_usage(w, 2, 0, size);
	client_drain(w, s1, C1, CLIENT_PORT, file, size, 512, 1, 0);
	client_drain(w, s2, C2, CLIENT_PORT + 1, file, size, 1024, 8, 0);
	assert_int_equal(st->upstream_transfers, 1);

	/* The third after completion: a cache hit, nothing upstream, even
	 * when it spells the path differently. */
	upstream_sends = 0;
	for (size_t i = 0; i < w->nsends; i++)
		upstream_sends += tftp_addr_eq(w->sends[i].ip, SERVER_IP);
	tftp_proxy_learn(w->px, C3, SERVER_IP, w->now);
	client_rrq(w, C3, CLIENT_PORT, "/ipxe.efi", NULL, 1500);
	s3 = w->last_session_sock;
	client_drain(w, s3, C3, CLIENT_PORT, file, size, 512, 1, 0);
	for (size_t i = 0; i < w->nsends; i++)
		upstream_sends -= tftp_addr_eq(w->sends[i].ip, SERVER_IP);
	assert_int_equal(upstream_sends, 0);
	assert_int_equal(st->cache_hits, 1);
	assert_int_equal(st->cache_misses, 1);
	assert_int_equal(st->upstream_transfers, 1);
	assert_usage(w, 0, 0, size);
	world_end(w);
}

static void test_unknown_client_gets_error_2_and_no_upstream_traffic(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	int sock;

	(void)state;
	tftp_proxy_learn(w->px, C2, SERVER_IP, w->now);   /* someone else */
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	sock = expect_error(w, C1, CLIENT_PORT, TFTP_EACCESS);
	assert_true(tftp_addr_eq(w->bound[sock], LOCAL_IP));   /* from our address on its link */
	assert_false(w->open[sock]);
	assert_nothing_to(w, SERVER_IP);
	assert_int_equal(w->nsends, 1);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->sessions_refused, 1);
	world_end(w);
}

static void test_learned_server_expires_after_a_day(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	w->now += 24LL * 3600 * 1000 + 1;
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_error(w, C1, CLIENT_PORT, TFTP_EACCESS);
	assert_nothing_to(w, SERVER_IP);
	world_end(w);
}

static void test_relearned_client_fetches_from_the_new_server(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	tftp_proxy_learn(w->px, C1, SERVER2_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_rrq(w, SERVER2_IP, "pxelinux.0", &rrq);
	assert_nothing_to(w, SERVER_IP);
	world_end(w);
}

static void test_wrq_is_refused_with_error_2(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const uint8_t wrq[] = "\0\2upload.bin\0octet";
	int sock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	tftp_proxy_request(w->px, wrq, sizeof(wrq), C1, CLIENT_PORT, LOCAL_IP, 1500, w->now);
	sock = expect_error(w, C1, CLIENT_PORT, TFTP_EACCESS);
	assert_false(w->open[sock]);
	assert_nothing_to(w, SERVER_IP);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->sessions_refused, 1);
	world_end(w);
}

static void test_dot_dot_path_is_refused_with_error_2(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const char *const paths[] = { "../etc/passwd", "a/../b", "..\\..\\boot.ini",
					     "/", "a\tb" };

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int sock;

		client_rrq(w, C1, CLIENT_PORT, paths[i], NULL, 1500);
		sock = expect_error(w, C1, CLIENT_PORT, TFTP_EACCESS);
		assert_false(w->open[sock]);
	}
	assert_nothing_to(w, SERVER_IP);
	assert_usage(w, 0, 0, 0);
	world_end(w);
}

static void test_unsupported_mode_is_refused(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const uint8_t mail[] = "\0\1pxelinux.0\0mail";
	static const uint8_t netascii[] = "\0\1pxelinux.cfg/default\0NetAscii";
	struct tftp_pkt rrq;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	tftp_proxy_request(w->px, mail, sizeof(mail), C1, CLIENT_PORT, LOCAL_IP, 1500, w->now);
	expect_error(w, C1, CLIENT_PORT, TFTP_EBADOP);
	assert_nothing_to(w, SERVER_IP);
	/* netascii is served (as the bytes the server sends). */
	tftp_proxy_request(w->px, netascii, sizeof(netascii), C1, CLIENT_PORT, LOCAL_IP, 1500,
			   w->now);
	expect_rrq(w, SERVER_IP, "pxelinux.cfg/default", &rrq);
	world_end(w);
}

static void test_garbage_on_the_listening_port_is_ignored(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const uint8_t ack[] = { 0, 4, 0, 1 };
	static const uint8_t junk[] = { 0, 9, 'x', 0 };

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	tftp_proxy_request(w->px, ack, sizeof(ack), C1, CLIENT_PORT, LOCAL_IP, 1500, w->now);
	tftp_proxy_request(w->px, junk, sizeof(junk), C1, CLIENT_PORT, LOCAL_IP, 1500, w->now);
	tftp_proxy_request(w->px, junk, 1, C1, CLIENT_PORT, LOCAL_IP, 1500, w->now);
	assert_int_equal(w->nsends, 0);
	assert_int_equal(w->opens, 0);
	world_end(w);
}

/* A read request the proxy cannot take is answered with an ERROR that
 * says why, from a socket of its own that is closed at once: a client
 * left without an answer waits out every timeout it has. */
static void test_unusable_request_gets_error_with_reason(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	static const struct {
		const char *wire;
		size_t len;
		uint16_t code;
		const char *reason;
	} cases[] = {
		{ "\0\1boot.efi", 10, TFTP_EBADOP, "malformed request" },      /* no NUL */
		{ "\0\1boot.efi\0octet", 16, TFTP_EBADOP, "malformed request" },
		{ "\0\1\0octet\0", 9, TFTP_EBADOP, "empty file name" },
		{ "\0\1f\0" "0123456789abcdef\0", 21, TFTP_EBADOP, "bad transfer mode" },
		{ "\0\1f\0\0", 5, TFTP_EBADOP, "bad transfer mode" },
		{ "\0\1...\0octet\0", 12, TFTP_EACCESS, "path refused" },
		{ "\0\1.. /x\0octet\0", 14, TFTP_EACCESS, "path refused" },
		{ "\0\1..;/x\0octet\0", 14, TFTP_EACCESS, "path refused" },
		{ "\0\1a/..::$DATA\0octet\0", 20, TFTP_EACCESS, "path refused" },
	};
	uint8_t longname[2 + 300 + 6];
	struct tftp_pkt p;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tftp_proxy_request(w->px, (const uint8_t *)cases[i].wire, cases[i].len, C1,
				   CLIENT_PORT, LOCAL_IP, 1500, w->now);
		take_to(w, C1, CLIENT_PORT, &p);
		assert_int_equal(p.op, TFTP_ERROR);
		assert_int_equal(p.error_code, cases[i].code);
		assert_string_equal(p.error_msg, cases[i].reason);
	}
	/* A file name of TFTP_PATH_MAX bytes. */
	longname[0] = 0;
	longname[1] = TFTP_RRQ;
	memset(longname + 2, 'a', TFTP_PATH_MAX);
	longname[2 + TFTP_PATH_MAX] = 0;
	memcpy(longname + 3 + TFTP_PATH_MAX, "octet", 6);
	tftp_proxy_request(w->px, longname, 9 + TFTP_PATH_MAX, C1, CLIENT_PORT, LOCAL_IP, 1500,
			   w->now);
	take_to(w, C1, CLIENT_PORT, &p);
	assert_int_equal(p.error_code, TFTP_EBADOP);
	assert_string_equal(p.error_msg, "file name too long");
	assert_int_equal(tftp_proxy_stats(w->px)->bad_requests, 10);
	assert_int_equal(open_socks(w), 0);
	assert_nothing_to(w, SERVER_IP);
	world_end(w);
}

static void test_unknown_tid_on_session_socket_gets_error_5(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(2000, 6);
	struct tftp_opts up = granted(1428, 2000, 8);
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 2000, 1428, 8);
	expect_data(w, ssock, C1, CLIENT_PORT, 1, file, 512);

	/* RFC 1350 §4: the client's address from another port, and another
	 * host: each gets ERROR 5 from the session's socket. */
	client_ack(w, ssock, C1, CLIENT_PORT + 7, 1);
	assert_int_equal(expect_error(w, C1, CLIENT_PORT + 7, TFTP_EBADID), ssock);
	client_ack(w, ssock, STRANGER, CLIENT_PORT, 1);
	assert_int_equal(expect_error(w, STRANGER, CLIENT_PORT, TFTP_EBADID), ssock);
	send_error_to(w, ssock, STRANGER, 4444, 0, "abort");
	assert_int_equal(expect_error(w, STRANGER, 4444, TFTP_EBADID), ssock);
	/* ... and the transfer carries on undisturbed. */
	assert_nothing_to(w, C1);
	assert_true(w->open[ssock]);
	assert_int_equal(tftp_proxy_stats(w->px)->unknown_tid, 3);
	client_ack(w, ssock, C1, CLIENT_PORT, 1);
	client_drain(w, ssock, C1, CLIENT_PORT, file, 2000, 512, 1, 1);
	world_end(w);
}

static void test_unknown_tid_on_fetch_socket_gets_error_5(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(2000, 7);
	struct tftp_opts up = granted(1428, 2000, 8);
	struct tftp_pkt rrq;
	uint8_t data[4 + 10] = { 0, 3, 0, 1 };
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	/* Before the server answered: another host is refused. */
	tftp_proxy_input(w->px, fsock, data, sizeof(data), STRANGER, SERVER_TID, UP_IF, w->now);
	assert_int_equal(expect_error(w, STRANGER, SERVER_TID, TFTP_EBADID), fsock);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	/* After: the server's address from another port is refused too. */
	tftp_proxy_input(w->px, fsock, data, sizeof(data), SERVER_IP, SERVER_TID + 1, UP_IF,
			 w->now);
	assert_int_equal(expect_error(w, SERVER_IP, SERVER_TID + 1, TFTP_EBADID), fsock);
	assert_usage(w, 1, 1, 0);
	serve_all(w, fsock, file, 2000, 1428, 8);
	client_drain(w, ssock, C1, CLIENT_PORT, file, 2000, 512, 1, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->unknown_tid, 2);
	world_end(w);
}

static void test_upstream_silent_after_client_left_frees_the_entry(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;
	int ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	send_error_to(w, ssock, C1, CLIENT_PORT, 0, "cancelled");
	assert_false(w->open[ssock]);
	assert_usage(w, 0, 1, 0);
	advance(w, 120000);
	while (pending_to(w, SERVER_IP, TFTP_PORT))
		expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(open_socks(w), 0);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_failures, 1);
	assert_int_equal(tftp_proxy_tick(w->px, w->now), -1);
	world_end(w);
}

static void test_client_silent_window_resent_with_backoff_then_abandoned(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(10000, 8);
	struct tftp_opts ask = { .has_windowsize = true, .windowsize = 4 };
	struct tftp_opts up = granted(1428, 10000, 8), got;
	struct tftp_pkt rrq;
	int64_t sent_at[16];
	int rounds = 0, fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", &ask, 1500);
	ssock = expect_oack(w, C1, CLIENT_PORT, &got);
	assert_int_equal(got.windowsize, 4);
	fsock = expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 10000, 1428, 8);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);

	/* The window goes out, then again and again, each time blocks 1..4,
	 * at growing intervals; then the session gives up with an ERROR. */
	advance(w, 120000);
	while (pending_to(w, C1, CLIENT_PORT)) {
		struct tftp_pkt p;
		struct sendrec *r = peek_to(w, C1, CLIENT_PORT);

		assert_non_null(r);
		assert_int_equal(tftp_parse(r->bytes, r->len, &p), 0);
		if (p.op == TFTP_ERROR) {
			expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED);
			break;
		}
		assert_true(rounds < 16);
		sent_at[rounds++] = r->at;
		for (uint16_t b = 1; b <= 4; b++) {
			struct sendrec *d = peek_to(w, C1, CLIENT_PORT);

			assert_int_equal(d->at, sent_at[rounds - 1]);
			expect_data(w, ssock, C1, CLIENT_PORT, b, file + (b - 1) * 512, 512);
		}
	}
	assert_true(rounds >= 4);                  /* the first send and 3+ resends */
	for (int i = 2; i < rounds; i++)
		assert_true(sent_at[i] - sent_at[i - 1] >= sent_at[i - 1] - sent_at[i - 2]);
	assert_true(sent_at[2] - sent_at[1] > sent_at[1] - sent_at[0]);   /* backoff */
	assert_false(w->open[ssock]);
	assert_nothing_to(w, C1);
	assert_usage(w, 0, 0, 10000);              /* the file stays cached */
	world_end(w);
}

/* A client that never answers our OACK is on probation (its address may
 * be forged): the OACK again at growing intervals, and once
 * TFTP_PROXY_PROBATION_MS have passed since the first one, the session
 * ends without a word, counted. The file stays cached. */
static void test_unconfirmed_session_retries_then_ends_quietly_at_probation_end(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(3000, 21);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 1024 };
	struct tftp_opts up = granted(1428, 3000, 8), got;
	struct tftp_pkt rrq, p;
	int64_t at[16];
	int oacks = 0, ssock, fsock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", &ask, 1500);
	ssock = expect_oack(w, C1, CLIENT_PORT, &got);
	at[oacks++] = w->now;
	fsock = expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 3000, 1428, 8);
	advance(w, 120000);
	while (pending_to(w, C1, CLIENT_PORT)) {
		struct sendrec *r = take_to(w, C1, CLIENT_PORT, &p);

		assert_int_equal(r->sock, ssock);
		assert_int_equal(p.op, TFTP_OACK);
		assert_true(oacks < 16);
		at[oacks++] = r->at;
	}
	assert_true(oacks >= 4);
	for (int i = 2; i < oacks; i++)
		assert_true(at[i] - at[i - 1] >= at[i - 1] - at[i - 2]);
	assert_true(at[oacks - 1] - at[0] < TFTP_PROXY_PROBATION_MS);
	assert_false(w->open[ssock]);
	assert_int_equal(tftp_proxy_stats(w->px)->probation_expired, 1);
	assert_usage(w, 0, 0, 3000);
	world_end(w);
}

/* Once confirmed, a client that goes silent mid-file gets the window
 * again at growing intervals, then an ERROR; a timeout option above
 * TFTP_PROXY_TIMEOUT_CAP is not granted, so 255 s per try never holds a
 * session for half an hour. */
static void test_confirmed_session_lifetime_is_bounded_whatever_timeout_it_asks(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(3000, 22);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 512,
				 .has_timeout = true, .timeout = 255 };
	struct tftp_opts up = granted(1428, 3000, 8), got;
	struct tftp_pkt rrq, p;
	int ssock, fsock;
	int64_t t_ack;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", &ask, 1500);
	ssock = expect_oack(w, C1, CLIENT_PORT, &got);
	assert_false(got.has_timeout);
	assert_true(got.has_blksize);
	fsock = expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 3000, 1428, 8);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	expect_data(w, ssock, C1, CLIENT_PORT, 1, file, 512);
	t_ack = w->now;
	for (;;) {
		struct sendrec *r;

		advance(w, 1000);
		if (!pending_to(w, C1, CLIENT_PORT))
			continue;
		r = take_to(w, C1, CLIENT_PORT, &p);
		assert_int_equal(r->sock, ssock);
		if (p.op == TFTP_ERROR)
			break;
		assert_int_equal(p.op, TFTP_DATA);
		assert_true(w->now - t_ack < 60000);
	}
	assert_true(w->now - t_ack <= (int64_t)6 * TFTP_PROXY_TIMEOUT_CAP * 1000);
	assert_false(w->open[ssock]);
	world_end(w);
}

/* A timeout up to the cap is granted and used as asked (RFC 2349). */
static void test_timeout_option_up_to_the_cap_is_granted(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_opts ask = { .has_timeout = true, .timeout = TFTP_PROXY_TIMEOUT_CAP }, got;
	struct tftp_pkt rrq;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", &ask, 1500);
	expect_oack(w, C1, CLIENT_PORT, &got);
	assert_true(got.has_timeout);
	assert_int_equal(got.timeout, TFTP_PROXY_TIMEOUT_CAP);
	expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	world_end(w);
}
static void test_uefi_tsize_probe_abort_costs_nothing(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(5000, 9);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 1468, .has_tsize = true };
	struct tftp_opts up = granted(1428, 5000, 8), got;
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "shimx64.efi", &ask, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "shimx64.efi", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	expect_oack(w, C1, CLIENT_PORT, &got);
	assert_int_equal(got.tsize, 5000);
	/* UEFI read the size and aborts on purpose. */
	send_error_to(w, ssock, C1, CLIENT_PORT, TFTP_EOPTNEG, "User aborted the transfer");
	assert_false(w->open[ssock]);
	assert_nothing_to(w, C1);           /* no answer to an ERROR */
	assert_usage(w, 0, 1, 0);
	/* The fetch goes on and fills the cache. */
	serve_all(w, fsock, file, 5000, 1428, 8);
	assert_usage(w, 0, 0, 5000);
	assert_int_equal(open_socks(w), 0);
	/* The real download right after: from the cache. */
	ask.has_tsize = false;
	client_rrq(w, C1, CLIENT_PORT + 1, "shimx64.efi", &ask, 1500);
	ssock = expect_oack(w, C1, CLIENT_PORT + 1, &got);
	assert_int_equal(got.blksize, 1468);
	client_ack(w, ssock, C1, CLIENT_PORT + 1, 0);
	client_drain(w, ssock, C1, CLIENT_PORT + 1, file, 5000, 1468, 1, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->cache_hits, 1);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_transfers, 1);
	world_end(w);
}

/* What real firmware does, as public captures of it show (reproduced
 * here, the captures are not in the tree):
 *   Intel BIOS PXE: RRQ tsize 0; reads the OACK's tsize; ERROR 0 "TFTP
 *     Aborted"; from a new port RRQ blksize 1456; lock-step.
 *   Intel UEFI PXE: RRQ tsize 0 blksize 1468 windowsize 4; ERROR 8 "User
 *     aborted the transfer"; from a new port RRQ blksize 1468 windowsize 4.
 *   iPXE: RRQ blksize 1432 tsize 0 and reads the file at once.
 * Each is served from one upstream fetch, byte for byte, with the options
 * it asked for. */
struct fw_seq {
	const char *name, *path;
	size_t size;
	struct tftp_opts probe;        /* the first RRQ */
	uint16_t abort_code;           /* 0xffff: no abort, the probe reads */
	const char *abort_msg;
	struct tftp_opts real;         /* the RRQ after the abort */
};

static void test_real_firmware_tftp_sequences_are_served_byte_exact(void **state)
{
	static const struct fw_seq seqs[] = {
		{ "bios", "ipxe.pxe", 345455,
		  { .has_tsize = true }, TFTP_ENOTDEFINED, "TFTP Aborted",
		  { .has_blksize = true, .blksize = 1456 } },
		{ "uefi", "ipxe.efi", 1052672,
		  { .has_tsize = true, .has_blksize = true, .blksize = 1468,
		    .has_windowsize = true, .windowsize = 4 },
		  TFTP_EOPTNEG, "User aborted the transfer",
		  { .has_blksize = true, .blksize = 1468, .has_windowsize = true, .windowsize = 4 } },
		{ "ipxe", "ipxe.pxe", 1251776,
		  { .has_blksize = true, .blksize = 1432, .has_tsize = true }, 0xffff, NULL,
		  { 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		const struct fw_seq *q = &seqs[i];
		struct tftp_proxy_cfg cfg = default_cfg();
		struct world *w;
		uint8_t *file;
		struct tftp_opts up = granted(1428, q->size, 8), got;
		struct tftp_pkt rrq;
		const struct tftp_opts *reader;
		uint16_t cport = CLIENT_PORT;
		int fsock, ssock;

		cfg.cache_size = 8u << 20;
		w = world_new(&cfg);
		file = make_file(q->size, (unsigned)i + 20);
		print_message("%s: %s, %zu bytes\n", q->name, q->path, q->size);
		tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
		client_rrq(w, C1, cport, q->path, &q->probe, 1500);
		ssock = w->last_session_sock;
		fsock = expect_rrq(w, SERVER_IP, q->path, &rrq);
		server_oack(w, fsock, &up);
		expect_ack(w, fsock, 0);
		expect_oack(w, C1, cport, &got);
		assert_true(got.has_tsize);
		assert_int_equal(got.tsize, q->size);
		assert_int_equal(got.has_blksize, q->probe.has_blksize);
		assert_int_equal(got.has_windowsize, q->probe.has_windowsize);
		if (q->probe.has_windowsize)
			assert_int_equal(got.windowsize, q->probe.windowsize);
		serve_all(w, fsock, file, q->size, 1428, 8);
		reader = &q->probe;
		if (q->abort_code != 0xffff) {
			send_error_to(w, ssock, C1, cport, q->abort_code, q->abort_msg);
			assert_false(w->open[ssock]);
			assert_nothing_to(w, C1);
			cport++;
			client_rrq(w, C1, cport, q->path, &q->real, 1500);
			ssock = expect_oack(w, C1, cport, &got);
			assert_false(got.has_tsize);
			reader = &q->real;
		}
		assert_int_equal(got.blksize, reader->has_blksize ? reader->blksize : 0);
		client_ack(w, ssock, C1, cport, 0);
		client_drain(w, ssock, C1, cport, file, q->size,
			     reader->has_blksize ? reader->blksize : 512,
			     reader->has_windowsize ? reader->windowsize : 1, 0);
		assert_int_equal(tftp_proxy_stats(w->px)->upstream_transfers, 1);
		world_end(w);
	}
}

static void test_server_ignoring_options_sends_512_byte_blocks(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(1300, 10);
	struct tftp_opts ask = { .has_tsize = true }, got;
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", &ask, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	/* RFC 1350 server: DATA 1 straight away, lockstep, 512 bytes. */
	serve_all(w, fsock, file, 1300, 512, 1);
	assert_false(w->open[fsock]);
	/* The size came with the end of the transfer: now the OACK. */
	expect_oack(w, C1, CLIENT_PORT, &got);
	assert_int_equal(got.tsize, 1300);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	client_drain(w, ssock, C1, CLIENT_PORT, file, 1300, 512, 1, 0);
	assert_usage(w, 0, 0, 1300);
	world_end(w);
}

static void test_block_numbers_roll_over_past_65535(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	const size_t size = 65536 * 8 + 100;     /* 65549 blocks of 8 bytes */
	uint8_t *file = make_file(size, 11);
	struct tftp_opts ask = { .has_blksize = true, .blksize = 8, .has_windowsize = true,
				 .windowsize = 16 };
	struct tftp_opts up = granted(8, size, 16), got;
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	cfg.upstream_blksize = 8;
	cfg.upstream_windowsize = 16;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "big.img", &ask, 1500);
	ssock = expect_oack(w, C1, CLIENT_PORT, &got);
	assert_int_equal(got.blksize, 8);
	assert_int_equal(got.windowsize, 16);
	fsock = expect_rrq(w, SERVER_IP, "big.img", &rrq);
	assert_int_equal(rrq.opts.blksize, 8);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	/* Upstream DATA and ACK block numbers wrap 65535 -> 0 -> 1. */
	serve_all(w, fsock, file, size, 8, 16);
	assert_false(w->open[fsock]);
	assert_usage(w, 1, 0, size);
	/* Client side too: ACK 0 of the second lap means block 65536. */
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	client_drain(w, ssock, C1, CLIENT_PORT, file, size, 8, 16, 0);
	assert_usage(w, 0, 0, size);
	assert_int_equal(tftp_proxy_stats(w->px)->bytes_served, size);
	world_end(w);
}

/* Start a session for cip:cport on a 3000-byte file already cached and
 * confirm it (ACK 1): it then holds a slot. Returns its socket. */
static int confirmed_session(struct world *w, struct tftp_addr cip, uint16_t cport, const uint8_t *file)
{
	int sock;

	client_rrq(w, cip, cport, "a", NULL, 1500);
	sock = expect_data(w, w->last_session_sock, cip, cport, 1, file, 512);
	client_ack(w, sock, cip, cport, 1);
	expect_data(w, sock, cip, cport, 2, file + 512, 512);
	return sock;
}

/* max_per_client counts confirmed sessions: past it a request is refused
 * at once. Unconfirmed ones from one address beyond it push out that
 * address's oldest, with an ERROR to it. */
static void test_per_client_session_limit(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(3000, 31);
	struct tftp_pkt rrq;
	int sock;

	(void)state;
	cfg.max_per_client = 2;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	tftp_proxy_learn(w->px, C2, SERVER_IP, w->now);
	fetch_and_read(w, C2, "a", file, 3000);
	confirmed_session(w, C1, 3001, file);
	confirmed_session(w, C1, 3002, file);
	client_rrq(w, C1, 3003, "a", NULL, 1500);
	sock = expect_error(w, C1, 3003, TFTP_ENOTDEFINED);
	assert_false(w->open[sock]);
	assert_usage(w, 2, 0, 3000);
	/* Another client is not affected. */
	client_rrq(w, C2, 3001, "b", NULL, 1500);
	expect_rrq(w, SERVER_IP, "b", &rrq);
	assert_usage(w, 3, 1, 3000);
	assert_int_equal(tftp_proxy_stats(w->px)->sessions_refused, 1);
	/* Unconfirmed: the third from C2 pushes out C2's first. */
	client_rrq(w, C2, 3002, "c", NULL, 1500);
	expect_rrq(w, SERVER_IP, "c", &rrq);
	client_rrq(w, C2, 3003, "d", NULL, 1500);
	expect_error(w, C2, 3001, TFTP_ENOTDEFINED);
	expect_rrq(w, SERVER_IP, "d", &rrq);
	assert_int_equal(tftp_proxy_stats(w->px)->probation_evicted, 1);
	world_end(w);
}
/* max_sessions counts confirmed sessions: a session whose client ACKs
 * while all of them are taken is refused then ("server busy"), counted
 * under slots_full. */
static void test_global_session_limit(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	const struct tftp_addr clients[] = { C1, C2, C3 };
	uint8_t *file = make_file(3000, 32);
	int sock;

	(void)state;
	cfg.max_sessions = 3;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C4, SERVER_IP, w->now);
	fetch_and_read(w, C4, "a", file, 3000);
	for (int i = 0; i < 3; i++) {
		tftp_proxy_learn(w->px, clients[i], SERVER_IP, w->now);
		confirmed_session(w, clients[i], CLIENT_PORT, file);
	}
	client_rrq(w, C4, CLIENT_PORT, "a", NULL, 1500);
	sock = expect_data(w, w->last_session_sock, C4, CLIENT_PORT, 1, file, 512);
	assert_usage(w, 4, 0, 3000);
	client_ack(w, sock, C4, CLIENT_PORT, 1);
	expect_error(w, C4, CLIENT_PORT, TFTP_ENOTDEFINED);
	assert_false(w->open[sock]);
	assert_usage(w, 3, 0, 3000);
	assert_int_equal(tftp_proxy_stats(w->px)->slots_full, 1);
	assert_int_equal(tftp_proxy_stats(w->px)->sessions_refused, 1);
	world_end(w);
}

/* The i-th forged source: 8 addresses, a port per request. */
static struct tftp_addr forged_ip(int i) { return ip4(10, 20, 0, (uint8_t)(100 + i % 8)); }
static uint16_t forged_port(int i) { return (uint16_t)(4000 + i); }

/* Take what was sent to the forged sources; each is `op` (0: any). */
static void take_forged(struct world *w, int n, uint16_t op)
{
	struct tftp_pkt p;

	for (int i = 0; i < n; i++)
		while (pending_to(w, forged_ip(i), forged_port(i))) {
			take_to(w, forged_ip(i), forged_port(i), &p);
			if (op)
				assert_int_equal(p.op, op);
		}
}

/* Forged read requests hold no slot: 40 from 8 addresses that never
 * answer fill probation, each new one pushing out the oldest; a real
 * client asking in between gets its whole file, and the forged sessions
 * are all gone TFTP_PROXY_PROBATION_MS after their last packet. */
static void test_forged_requests_cannot_hold_session_slots(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(3000, 33);
	const struct tftp_stats *st;

	(void)state;
	cfg.max_sessions = 4;
	cfg.max_per_client = 2;
	w = world_new(&cfg);
	st = tftp_proxy_stats(w->px);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	fetch_and_read(w, C1, "a", file, 3000);
	for (int i = 0; i < 40; i++) {
		tftp_proxy_learn(w->px, forged_ip(i), SERVER_IP, w->now);
		client_rrq(w, forged_ip(i), forged_port(i), "a", NULL, 1500);
		w->now += 1;
	}
	take_forged(w, 40, 0);          /* DATA 1 each, "server busy" to those pushed out */
	assert_int_equal(st->probation_evicted, 36);
	assert_int_equal(st->slots_full, 0);
	client_rrq(w, C1, CLIENT_PORT, "a", NULL, 1500);
	client_drain(w, w->last_session_sock, C1, CLIENT_PORT, file, 3000, 512, 1, 0);
	take_forged(w, 40, TFTP_ERROR);
	assert_int_equal(st->probation_evicted, 37);   /* the real client pushed one out */
	assert_usage(w, 3, 0, 3000);
	advance(w, TFTP_PROXY_PROBATION_MS);
	take_forged(w, 40, TFTP_DATA);  /* DATA 1 again, never an ERROR */
	assert_usage(w, 0, 0, 3000);
	assert_int_equal(st->probation_expired, 3);
	world_end(w);
}
static void test_cache_evicts_the_least_recently_used_file(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *a = make_file(3000, 12), *b = make_file(3000, 13);
	const struct tftp_stats *st;
	struct tftp_pkt rrq;
	int sock;

	(void)state;
	cfg.cache_size = 5000;
	w = world_new(&cfg);
	st = tftp_proxy_stats(w->px);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	fetch_and_read(w, C1, "a", a, 3000);
	assert_usage(w, 0, 0, 3000);
	w->now += 1000;
	fetch_and_read(w, C1, "b", b, 3000);
	/* Both do not fit: the older, unused one goes. */
	assert_usage(w, 0, 0, 3000);
	assert_int_equal(st->evictions, 1);
	/* b is still cached ... */
	w->now += 1000;
	client_rrq(w, C1, CLIENT_PORT, "b", NULL, 1500);
	sock = w->last_session_sock;
	client_drain(w, sock, C1, CLIENT_PORT, b, 3000, 512, 1, 0);
	assert_nothing_to(w, SERVER_IP);
	assert_int_equal(st->cache_hits, 1);
	/* ... a is fetched again. */
	client_rrq(w, C1, CLIENT_PORT, "a", NULL, 1500);
	expect_rrq(w, SERVER_IP, "a", &rrq);
	assert_int_equal(st->cache_misses, 3);
	world_end(w);
}

static void test_cache_max_age_fetches_again(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(3000, 14);
	const struct tftp_stats *st;
	struct tftp_pkt rrq;
	int sock;

	(void)state;
	cfg.cache_max_age_ms = 10000;
	w = world_new(&cfg);
	st = tftp_proxy_stats(w->px);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	fetch_and_read(w, C1, "pxelinux.0", file, 3000);
	/* Young enough: from the cache. */
	w->now += 5000;
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	sock = w->last_session_sock;
	client_drain(w, sock, C1, CLIENT_PORT, file, 3000, 512, 1, 0);
	assert_int_equal(st->cache_hits, 1);
	/* Older than cache_max_age: fetched again. */
	w->now += 5001;
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	assert_nothing_to(w, C1);
	assert_int_equal(st->cache_hits, 1);
	assert_int_equal(st->cache_misses, 2);
	assert_int_equal(st->upstream_transfers, 2);
	assert_usage(w, 1, 1, 0);
	world_end(w);
}

/* RFC 2349: "If the file is too large for the client to handle, it may
 * abort the transfer with an Error packet (error code 3)." A file whose
 * declared size passes cache-size is refused at the OACK: one OACK over
 * the WAN, not the whole file, and no memory taken. */
static void test_file_larger_than_cache_size_is_refused_with_error_3(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	struct tftp_opts up = granted(1428, 3000, 8);
	struct tftp_pkt rrq, p;
	int fsock;

	(void)state;
	cfg.cache_size = 1000;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "initrd", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "initrd", &rrq);
	server_oack(w, fsock, &up);
	take_to(w, SERVER_IP, SERVER_TID, &p);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(p.error_code, TFTP_ENOSPACE);
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOSPACE);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(tftp_proxy_held(w->px), 0);
	assert_int_equal(tftp_proxy_stats(w->px)->budget_refused, 1);
	world_end(w);
}

/* A server that declares no size (no OACK: it ignored our options) and
 * never ends the file: the memory held never passes cache-size, and the
 * fetch ends with ERROR 3 when the file does not fit. */
static void test_endless_file_without_tsize_stays_within_cache_size(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t block[512];
	struct tftp_pkt rrq, p;
	int fsock;
	uint16_t b;

	(void)state;
	memset(block, 0x5a, sizeof(block));
	cfg.cache_size = 100000;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "endless", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "endless", &rrq);
	for (b = 1; b < 1000 && w->open[fsock]; b++) {
		server_data(w, fsock, b, block, sizeof(block));
		assert_true(tftp_proxy_held(w->px) <= cfg.cache_size);
		while (pending_to(w, C1, CLIENT_PORT)) {
			take_to(w, C1, CLIENT_PORT, &p);
			if (p.op == TFTP_DATA)
				client_ack(w, w->last_session_sock, C1, CLIENT_PORT, p.block);
		}
		while (pending_to(w, SERVER_IP, SERVER_TID))
			take_to(w, SERVER_IP, SERVER_TID, &p);
	}
	assert_false(w->open[fsock]);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(p.error_code, TFTP_ENOSPACE);
	assert_true(b > 190 && b < 200);               /* 100000 / 512 blocks */
	assert_int_equal(tftp_proxy_stats(w->px)->budget_refused, 1);
	assert_int_equal(tftp_proxy_held(w->px), 0);
	world_end(w);
}

/* Fetches abandoned by their clients (RRQ, then ERROR) give their memory
 * to a fetch a client waits for: the total held never passes cache-size
 * and the waiting client gets its file. */
static void test_abandoned_fetches_yield_memory_to_a_waited_for_one(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(6000, 34);
	struct tftp_opts up = granted(1428, 6000, 8);
	struct tftp_pkt rrq;
	int fsock[3], ssock;
	char name[16];

	(void)state;
	cfg.cache_size = 15000;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		client_rrq(w, C1, (uint16_t)(3000 + i), name, NULL, 1500);
		ssock = w->last_session_sock;
		fsock[i] = expect_rrq(w, SERVER_IP, name, &rrq);
		send_error_to(w, ssock, C1, (uint16_t)(3000 + i), 0, "abort");
		server_oack(w, fsock[i], &up);       /* 6000 reserved each */
		expect_ack(w, fsock[i], 0);
	}
	assert_int_equal(tftp_proxy_held(w->px), 12000);
	client_rrq(w, C1, 3002, "wanted", NULL, 1500);
	ssock = w->last_session_sock;
	fsock[2] = expect_rrq(w, SERVER_IP, "wanted", &rrq);
	server_oack(w, fsock[2], &up);
	/* One abandoned fetch stopped, with an ERROR to its server. */
	{
		struct tftp_pkt p;

		take_to(w, SERVER_IP, SERVER_TID, &p);
		assert_int_equal(p.op, TFTP_ERROR);
	}
	expect_ack(w, fsock[2], 0);
	assert_true(tftp_proxy_held(w->px) <= cfg.cache_size);
	assert_int_equal(tftp_proxy_stats(w->px)->fetches_stopped, 1);
	serve_all(w, fsock[2], file, 6000, 1428, 8);
	client_drain(w, ssock, C1, 3002, file, 6000, 512, 1, 0);
	world_end(w);
}

/* RFC 2348: "The specified value must be less than or equal to the value
 * specified by the client. The client must then either use the size
 * specified in the OACK, or send an ERROR packet, with error code 8, to
 * terminate the transfer." Same for windowsize (RFC 7440). */
static void test_upstream_oack_above_what_we_asked_gets_error_8(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_opts big_blk = granted(65464, 3000, 8), big_win = granted(1428, 3000, 64);
	struct tftp_pkt rrq, p;
	int fsock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "a", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "a", &rrq);
	server_oack(w, fsock, &big_blk);
	take_to(w, SERVER_IP, SERVER_TID, &p);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(p.error_code, TFTP_EOPTNEG);
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED);
	client_rrq(w, C1, CLIENT_PORT, "b", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "b", &rrq);
	server_oack(w, fsock, &big_win);
	take_to(w, SERVER_IP, SERVER_TID, &p);
	assert_int_equal(p.error_code, TFTP_EOPTNEG);
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_invalid, 2);
	assert_usage(w, 0, 0, 0);
	world_end(w);
}

/* A file that does not end at the size the server declared is not the
 * file it announced: more data than tsize fails the fetch at once, a
 * shorter end fails it at the end; nothing is cached or stored. */
static void test_upstream_data_must_match_its_declared_tsize(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new_io(&cfg, true);
	uint8_t *file = make_file(3000, 35);
	struct tftp_opts says100 = granted(1428, 100, 8), says5000 = granted(1428, 5000, 8);
	struct tftp_pkt rrq, p;
	int fsock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "a", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "a", &rrq);
	server_oack(w, fsock, &says100);
	expect_ack(w, fsock, 0);
	server_data(w, fsock, 1, file, 1428);
	take_to(w, SERVER_IP, SERVER_TID, &p);
	assert_int_equal(p.op, TFTP_ERROR);
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED);

	client_rrq(w, C1, CLIENT_PORT, "b", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "b", &rrq);
	server_oack(w, fsock, &says5000);
	expect_ack(w, fsock, 0);
	serve_range(w, fsock, file, 3000, 1428, 8, 1, 2);
	server_data(w, fsock, 3, file + 2856, 144);       /* ends at 3000 */
	expect_ack(w, fsock, 3);
	while (pending_to(w, C1, CLIENT_PORT))
		take_to(w, C1, CLIENT_PORT, &p);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_invalid, 2);
	assert_int_equal(w->stores, 0);
	assert_usage(w, 0, 0, 0);
	world_end(w);
}

/* A packet with the boot server's address that arrives on another
 * interface than the route toward the server is forged: dropped without
 * an answer, before it can take the server's TID or end the file. The
 * real server's transfer then completes untouched. */
static void test_upstream_packets_only_from_the_route_interface(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(2000, 36);
	struct tftp_opts up = granted(1428, 2000, 8);
	uint8_t forged[4 + 20] = { 0, 3, 0, 1, '#', '!', 'i', 'p', 'x', 'e' };
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "boot.ipxe", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "boot.ipxe", &rrq);
	/* Before the server answered, on the clients' link, from any port. */
	for (uint16_t port = 40000; port < 40010; port++)
		tftp_proxy_input(w->px, fsock, forged, sizeof(forged), SERVER_IP, port, LINK_IF,
				 w->now);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_wrong_link, 10);
	assert_nothing_to(w, SERVER_IP);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	/* After: even with the server's TID. */
	tftp_proxy_input(w->px, fsock, forged, sizeof(forged), SERVER_IP, SERVER_TID, LINK_IF,
			 w->now);
	assert_nothing_to(w, SERVER_IP);
	serve_all(w, fsock, file, 2000, 1428, 8);
	client_drain(w, ssock, C1, CLIENT_PORT, file, 2000, 512, 1, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_wrong_link, 11);
	assert_usage(w, 0, 0, 2000);
	world_end(w);
}

/* A server dripping one block per retransmission timer keeps a fetch
 * alive without end; fetch-timeout ends the whole transfer. */
static void test_slow_drip_upstream_ends_at_fetch_timeout(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(60000, 37);
	struct tftp_opts up = granted(512, 60000, 1);
	struct tftp_pkt rrq, p;
	int fsock;
	uint16_t b = 1;

	(void)state;
	cfg.fetch_timeout_ms = 30000;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "slow", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "slow", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	while (w->open[fsock] && b < 100) {
		server_data(w, fsock, b, file + (b - 1) * 512, 512);
		b++;
		while (pending_to(w, SERVER_IP, SERVER_TID))
			take_to(w, SERVER_IP, SERVER_TID, &p);
		while (pending_to(w, C1, CLIENT_PORT)) {
			take_to(w, C1, CLIENT_PORT, &p);
			if (p.op == TFTP_DATA)
				client_ack(w, w->last_session_sock, C1, CLIENT_PORT, p.block);
		}
		advance(w, 900);
		while (pending_to(w, SERVER_IP, SERVER_TID))
			take_to(w, SERVER_IP, SERVER_TID, &p);
	}
	assert_false(w->open[fsock]);
	assert_int_equal(p.op, TFTP_ERROR);               /* to the server: stop */
	take_to(w, C1, CLIENT_PORT, &p);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_true(b >= 30 && b <= 36);
	assert_int_equal(tftp_proxy_stats(w->px)->fetch_deadline, 1);
	world_end(w);
}
static void test_client_windowsize_is_capped(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_opts ask = { .has_windowsize = true, .windowsize = 65535 }, got;
	struct tftp_pkt rrq;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ipxe.efi", &ask, 1500);
	expect_oack(w, C1, CLIENT_PORT, &got);
	assert_true(got.has_windowsize);
	assert_true(got.windowsize >= 1 && got.windowsize <= 64);
	expect_rrq(w, SERVER_IP, "ipxe.efi", &rrq);
	world_end(w);
}

static void test_tick_reports_the_nearest_deadline(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;
	int d;

	(void)state;
	assert_int_equal(tftp_proxy_tick(w->px, w->now), -1);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	d = tftp_proxy_tick(w->px, w->now);
	assert_true(d > 0 && d <= 60000);
	/* Nothing is due before that deadline. */
	w->now += d - 1;
	tftp_proxy_tick(w->px, w->now);
	assert_nothing_to(w, SERVER_IP);
	/* At it, the RRQ goes again. */
	w->now += 1;
	tftp_proxy_tick(w->px, w->now);
	expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	world_end(w);
}

static void test_upstream_stall_mid_transfer_reacks_then_gives_up(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(30000, 18);
	struct tftp_opts up = granted(1428, 30000, 8);
	struct tftp_pkt rrq, p;
	int64_t at[16];
	int n = 0, fsock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "vmlinuz", NULL, 1500);
	fsock = expect_rrq(w, SERVER_IP, "vmlinuz", &rrq);
	/* The client leaves; the fetch goes on for the cache. */
	send_error_to(w, w->last_session_sock, C1, CLIENT_PORT, 0, "cancelled");
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_range(w, fsock, file, 30000, 1428, 8, 1, 8);
	/* RFC 7440 §4: on silence, the receiver acknowledges the last block
	 * it has again, at growing intervals, then gives up. */
	advance(w, 120000);
	while (pending_to(w, SERVER_IP, 0)) {
		struct sendrec *r = take_to(w, SERVER_IP, SERVER_TID, &p);

		assert_int_equal(p.op, TFTP_ACK);
		assert_int_equal(p.block, 8);
		assert_true(n < 16);
		at[n++] = r->at;
	}
	assert_true(n >= 3);
	assert_true(at[1] - at[0] > 0);
	for (int i = 2; i < n; i++)
		assert_true(at[i] - at[i - 1] >= at[i - 1] - at[i - 2]);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(open_socks(w), 0);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_failures, 1);
	world_end(w);
}

static void test_session_refused_when_sockets_run_out(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	bool saved[MAX_SOCKS];

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	/* Every socket id taken: the request is dropped, nothing leaks. */
	memcpy(saved, w->open, sizeof(saved));
	for (int s = FIRST_SOCK; s < MAX_SOCKS; s++)
		w->open[s] = true;
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	assert_int_equal(w->nsends, 0);
	memcpy(w->open, saved, sizeof(saved));
	/* One socket left: the session gets it, the fetch cannot open one. */
	for (int s = FIRST_SOCK; s < MAX_SOCKS - 1; s++)
		w->open[s] = true;
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED);
	assert_usage(w, 0, 0, 0);
	assert_false(w->open[MAX_SOCKS - 1]);
	memcpy(w->open, saved, sizeof(saved));
	world_end(w);
}

static void test_disk_cache_survives_a_restart(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new_io(&cfg, true);
	uint8_t *file = make_file(3000, 22);
	const struct tftp_stats *st;
	int sock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	fetch_and_read(w, C1, "pxelinux.0", file, 3000);
	/* Looked for on disk before going upstream, with the cache's age;
	 * stored once complete, whole. */
	assert_int_equal(w->loads, 1);
	assert_int_equal(w->load_max_age, cfg.cache_max_age_ms);
	assert_int_equal(w->stores, 1);
	assert_int_equal(w->ndisk, 1);
	assert_true(tftp_addr_eq(w->disk[0].server, SERVER_IP));
	assert_string_equal(w->disk[0].path, "pxelinux.0");
	assert_int_equal(w->disk[0].len, 3000);
	assert_memory_equal(w->disk[0].data, file, 3000);

	/* After a restart: memory is empty, the disk is not. */
	w->now += 60000;
	world_restart(w, &cfg);
	st = tftp_proxy_stats(w->px);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "/pxelinux.0", NULL, 1500);
	sock = w->last_session_sock;
	client_drain(w, sock, C1, CLIENT_PORT, file, 3000, 512, 1, 0);
	assert_nothing_to(w, SERVER_IP);
	assert_int_equal(st->disk_hits, 1);
	assert_int_equal(st->upstream_transfers, 0);
	assert_int_equal(w->stores, 1);              /* not written back */
	assert_usage(w, 0, 0, 3000);
	/* The next client: from memory, the disk is not read again. */
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	client_drain(w, w->last_session_sock, C1, CLIENT_PORT, file, 3000, 512, 1, 0);
	assert_int_equal(w->loads, 2);
	assert_int_equal(st->disk_hits, 1);
	world_end(w);
}

static void test_disk_cache_miss_and_failures_go_upstream(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(700, 23);
	struct tftp_pkt rrq;

	(void)state;
	cfg.cache_max_age_ms = 10000;
	w = world_new_io(&cfg, true);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	/* A failed fetch is not stored. */
	client_rrq(w, C1, CLIENT_PORT, "missing.efi", NULL, 1500);
	send_error_to(w, expect_rrq(w, SERVER_IP, "missing.efi", &rrq), SERVER_IP, SERVER_TID,
		      TFTP_ENOTFOUND, "File not found");
	expect_error(w, C1, CLIENT_PORT, TFTP_ENOTFOUND);
	assert_int_equal(w->stores, 0);
	/* A file on disk older than cache_max_age is fetched again. */
	fetch_and_read(w, C1, "ks.cfg", file, 700);
	assert_int_equal(w->stores, 1);
	w->now += 10001;
	world_restart(w, &cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", NULL, 1500);
	expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	assert_int_equal(tftp_proxy_stats(w->px)->disk_hits, 0);
	world_end(w);
}

static void test_same_path_on_two_servers_is_two_files(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	tftp_proxy_learn(w->px, C2, SERVER2_IP, w->now);
	client_rrq(w, C2, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	expect_rrq(w, SERVER2_IP, "pxelinux.0", &rrq);
	assert_int_equal(tftp_proxy_stats(w->px)->coalesced, 0);
	assert_usage(w, 2, 2, 0);
	world_end(w);
}

/* ---- regressions: each of these failed on an earlier tftp_proxy.c ---- */

/* Neighbouring clients must not evict each other's learned server. (The
 * first table hashed with h % 4096 of client_ip * 2654435761, whose low
 * bits depend only on the address's first octets in network order: every
 * client of 10.20.0.0/16 shared one slot.) */
static void test_learned_servers_for_clients_on_one_subnet(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;

	(void)state;
	/* A boot storm: 250 clients of one /24 finish DHCP, then all ask. */
	for (unsigned i = 1; i <= 250; i++)
		tftp_proxy_learn(w->px, ip4(10, 20, 0, (uint8_t)i), SERVER_IP, w->now);
	for (unsigned i = 1; i <= 250; i++) {
		struct tftp_addr cip = ip4(10, 20, 0, (uint8_t)i);

		client_rrq(w, cip, CLIENT_PORT, "pxelinux.0", NULL, 1500);
		if (i == 1)
			expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
		assert_nothing_to(w, cip);              /* no ERROR 2 */
		/* Let it go, to stay within the session limit. */
		send_error_to(w, w->last_session_sock, cip, CLIENT_PORT, 0, "bye");
	}
	assert_nothing_to(w, SERVER_IP);                /* one fetch for all */
	assert_int_equal(tftp_proxy_stats(w->px)->coalesced, 249);
	assert_int_equal(tftp_proxy_stats(w->px)->sessions_refused, 0);
	world_end(w);
}

/* An upstream OACK that grants blksize but omits tsize (RFC 2347 lets a
 * server leave out what it does not support) is honoured. (Once, the
 * first full DATA block was taken for "the server ignored the options":
 * blksize fell back to 512 and the fetch failed with ERROR 3.) */
static void test_upstream_oack_without_tsize_is_honoured(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	uint8_t *file = make_file(3000, 15);
	struct tftp_opts up = granted(1428, 0, 8);
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	up.has_tsize = false;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	serve_all(w, fsock, file, 3000, 1428, 8);
	client_drain(w, ssock, C1, CLIENT_PORT, file, 3000, 512, 1, 0);
	assert_usage(w, 0, 0, 3000);
	world_end(w);
}

/* With upstream_blksize 512 and a window > 1, a server that ignores the
 * options (RFC 1350 lockstep) is still detected, and each block is
 * acknowledged at once. (Once, detection needed blksize != 512, and the
 * relay waited for a window of 8 blocks: each block cost a timeout.) */
static void test_server_ignoring_options_with_upstream_blksize_512(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(1300, 16);
	struct tftp_pkt rrq;
	int fsock, ssock;

	(void)state;
	cfg.upstream_blksize = 512;
	w = world_new(&cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	serve_all(w, fsock, file, 1300, 512, 1);   /* expects ACK 1 right after DATA 1 */
	client_drain(w, ssock, C1, CLIENT_PORT, file, 1300, 512, 1, 0);
	world_end(w);
}

/* A client that asks tsize waits for the size as long as its fetch makes
 * progress: from a server that ignores the options (or omits tsize), the
 * size is known only at the end. (Once, a fixed 30 s deadline failed
 * every UEFI client of a slow fetch with "upstream too slow".) The OACK
 * then carries the size, or goes without tsize. */
static void test_tsize_client_survives_a_slow_upstream_without_tsize(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	const size_t size = 40 * 512 + 100;
	uint8_t *file = make_file(size, 19);
	struct tftp_opts ask = { .has_tsize = true, .has_blksize = true, .blksize = 1468 }, got;
	struct tftp_pkt rrq, p;
	struct sendrec *r;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "bzImage", &ask, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "bzImage", &rrq);
	/* An RFC 1350 server over a slow link: a block every 900 ms. */
	for (uint64_t b = 1; b <= nblocks(size, 512); b++) {
		size_t off = (size_t)(b - 1) * 512;

		server_data(w, fsock, (uint16_t)b, file + off, size - off < 512 ? size - off : 512);
		expect_ack(w, fsock, (uint16_t)b);
		advance(w, 900);
	}
	r = take_to(w, C1, CLIENT_PORT, &p);
	if (p.op != TFTP_OACK) {
		print_message("want OACK, got:\n");
		describe(r);
		fail();
	}
	got = p.opts;
	assert_int_equal(got.blksize, 1468);
	if (got.has_tsize)
		assert_int_equal(got.tsize, size);
	client_ack(w, ssock, C1, CLIENT_PORT, 0);
	client_drain(w, ssock, C1, CLIENT_PORT, file, size, 1468, 1, 0);
	world_end(w);
}

/* A failed fetch with clients attached frees its entry once. (Once,
 * fetch_fail() let entry_wake() fail each session, the last session_end()
 * freed the failed entry, and fetch_fail() then read e->sessions of the
 * freed entry and freed it again: heap-use-after-free and double free.) */
static void test_server_error_reaches_client_and_frees_everything(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq, p;
	struct sendrec *r;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "missing.efi", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "missing.efi", &rrq);
	send_error_to(w, fsock, SERVER_IP, SERVER_TID, TFTP_ENOTFOUND, "File not found");
	r = take_to(w, C1, CLIENT_PORT, &p);
	assert_int_equal(r->sock, ssock);
	assert_int_equal(p.op, TFTP_ERROR);
	assert_int_equal(p.error_code, TFTP_ENOTFOUND);
	assert_string_equal(p.error_msg, "File not found");
	assert_nothing_to(w, SERVER_IP);     /* no answer to an ERROR */
	assert_int_equal(open_socks(w), 0);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_failures, 1);
	/* The failure is not cached: the next request asks again. */
	client_rrq(w, C1, CLIENT_PORT, "missing.efi", NULL, 1500);
	expect_rrq(w, SERVER_IP, "missing.efi", &rrq);
	world_end(w);
}

/* The same path through the retry timer. */
static void test_upstream_silent_retries_with_backoff_then_fails(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	struct tftp_pkt rrq;
	int64_t at[16];
	int n = 0, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "pxelinux.0", NULL, 1500);
	ssock = w->last_session_sock;
	advance(w, 120000);
	while (pending_to(w, SERVER_IP, TFTP_PORT)) {
		assert_true(n < 16);
		at[n++] = peek_to(w, SERVER_IP, TFTP_PORT)->at;
		expect_rrq(w, SERVER_IP, "pxelinux.0", &rrq);
	}
	assert_true(n >= 4);                 /* the RRQ and 3+ retransmissions */
	assert_true(at[2] - at[1] > at[1] - at[0]);
	for (int i = 2; i < n; i++)
		assert_true(at[i] - at[i - 1] >= at[i - 1] - at[i - 2]);
	assert_int_equal(expect_error(w, C1, CLIENT_PORT, TFTP_ENOTDEFINED), ssock);
	assert_usage(w, 0, 0, 0);
	assert_int_equal(open_socks(w), 0);
	assert_int_equal(tftp_proxy_stats(w->px)->upstream_failures, 1);
	world_end(w);
}

/* A block past a gap in the upstream window (block 3 lost, 4..8 arrive)
 * is answered at once, and once, with an ACK of the last block received
 * in order, so that the server resends from there (RFC 7440 §4). (Once,
 * only repeated or older blocks were acknowledged, and every loss cost a
 * retransmission timeout of 1 s or more.) */
static void test_upstream_gap_in_window_is_acked_at_once(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w = world_new(&cfg);
	const size_t size = 11 * 1428 + 100;      /* 12 blocks */
	uint8_t *file = make_file(size, 20);
	struct tftp_opts up = granted(1428, size, 8);
	struct tftp_pkt rrq, p;
	struct sendrec *r;
	int fsock, ssock;

	(void)state;
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "vmlinuz", NULL, 1500);
	ssock = w->last_session_sock;
	fsock = expect_rrq(w, SERVER_IP, "vmlinuz", &rrq);
	server_oack(w, fsock, &up);
	expect_ack(w, fsock, 0);
	server_data(w, fsock, 1, file, 1428);
	server_data(w, fsock, 2, file + 1428, 1428);
	for (uint16_t b = 4; b <= 8; b++)          /* block 3 was lost */
		server_data(w, fsock, b, file + (b - 1) * 1428, 1428);
	/* No clock advance: the ACK must not wait for the timer. */
	assert_int_equal(pending_to(w, SERVER_IP, SERVER_TID), 1);
	r = take_to(w, SERVER_IP, SERVER_TID, &p);
	assert_int_equal(r->sock, fsock);
	assert_int_equal(p.op, TFTP_ACK);
	assert_int_equal(p.block, 2);
	/* RFC 7440: the server resends a window from block 3. */
	for (uint16_t b = 3; b <= 10; b++)
		server_data(w, fsock, b, file + (b - 1) * 1428, 1428);
	expect_ack(w, fsock, 10);
	server_data(w, fsock, 11, file + 10 * 1428, 1428);
	server_data(w, fsock, 12, file + 11 * 1428, 100);
	expect_ack(w, fsock, 12);
	client_drain(w, ssock, C1, CLIENT_PORT, file, size, 512, 1, 0);
	world_end(w);
}

/* A file read back from the cache-dir keeps the age it had on disk: max
 * age 10 s, stored at 0, read back at 9 s, fetched again at 15 s. (Once,
 * disk_find counted it as fetched at the read, so a file was served until
 * about 2 x cache_max_age after it was fetched.) */
static void test_disk_file_keeps_its_age_in_memory(void **state)
{
	struct tftp_proxy_cfg cfg = default_cfg();
	struct world *w;
	uint8_t *file = make_file(700, 24);
	struct tftp_pkt rrq;
	int64_t stored;

	(void)state;
	cfg.cache_max_age_ms = 10000;
	w = world_new_io(&cfg, true);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	fetch_and_read(w, C1, "ks.cfg", file, 700);
	stored = w->now;
	w->now = stored + 9000;
	world_restart(w, &cfg);
	tftp_proxy_learn(w->px, C1, SERVER_IP, w->now);
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", NULL, 1500);
	client_drain(w, w->last_session_sock, C1, CLIENT_PORT, file, 700, 512, 1, 0);
	assert_int_equal(tftp_proxy_stats(w->px)->disk_hits, 1);
	/* 15 s after it was fetched: older than cache_max_age. */
	w->now = stored + 15000;
	client_rrq(w, C1, CLIENT_PORT, "ks.cfg", NULL, 1500);
	expect_rrq(w, SERVER_IP, "ks.cfg", &rrq);
	assert_nothing_to(w, C1);
	world_end(w);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_plain_rrq_lockstep_through_an_upstream_fetch, cleanup),
		cmocka_unit_test_teardown(test_client_options_oack_waits_for_upstream_size, cleanup),
		cmocka_unit_test_teardown(test_blksize_clamped_to_link_mtu, cleanup),
		cmocka_unit_test_teardown(
			test_ipv6_client_blocks_fit_an_ipv6_frame_and_boot_from_an_ipv4_server, cleanup),
		cmocka_unit_test_teardown(test_file_multiple_of_blksize_ends_with_empty_block, cleanup),
		cmocka_unit_test_teardown(test_zero_byte_file, cleanup),
		cmocka_unit_test_teardown(test_second_client_coalesces_and_third_is_a_cache_hit, cleanup),
		cmocka_unit_test_teardown(test_unknown_client_gets_error_2_and_no_upstream_traffic, cleanup),
		cmocka_unit_test_teardown(test_learned_server_expires_after_a_day, cleanup),
		cmocka_unit_test_teardown(test_relearned_client_fetches_from_the_new_server, cleanup),
		cmocka_unit_test_teardown(test_wrq_is_refused_with_error_2, cleanup),
		cmocka_unit_test_teardown(test_dot_dot_path_is_refused_with_error_2, cleanup),
		cmocka_unit_test_teardown(test_unsupported_mode_is_refused, cleanup),
		cmocka_unit_test_teardown(test_garbage_on_the_listening_port_is_ignored, cleanup),
		cmocka_unit_test_teardown(test_unusable_request_gets_error_with_reason, cleanup),
		cmocka_unit_test_teardown(test_unknown_tid_on_session_socket_gets_error_5, cleanup),
		cmocka_unit_test_teardown(test_unknown_tid_on_fetch_socket_gets_error_5, cleanup),
		cmocka_unit_test_teardown(test_upstream_silent_after_client_left_frees_the_entry, cleanup),
		cmocka_unit_test_teardown(test_client_silent_window_resent_with_backoff_then_abandoned, cleanup),
		cmocka_unit_test_teardown(test_unconfirmed_session_retries_then_ends_quietly_at_probation_end, cleanup),
		cmocka_unit_test_teardown(test_confirmed_session_lifetime_is_bounded_whatever_timeout_it_asks, cleanup),
		cmocka_unit_test_teardown(test_timeout_option_up_to_the_cap_is_granted, cleanup),
		cmocka_unit_test_teardown(test_uefi_tsize_probe_abort_costs_nothing, cleanup),
		cmocka_unit_test_teardown(test_real_firmware_tftp_sequences_are_served_byte_exact,
					  cleanup),
		cmocka_unit_test_teardown(test_server_ignoring_options_sends_512_byte_blocks, cleanup),
		cmocka_unit_test_teardown(test_block_numbers_roll_over_past_65535, cleanup),
		cmocka_unit_test_teardown(test_per_client_session_limit, cleanup),
		cmocka_unit_test_teardown(test_global_session_limit, cleanup),
		cmocka_unit_test_teardown(test_forged_requests_cannot_hold_session_slots, cleanup),
		cmocka_unit_test_teardown(test_cache_evicts_the_least_recently_used_file, cleanup),
		cmocka_unit_test_teardown(test_cache_max_age_fetches_again, cleanup),
		cmocka_unit_test_teardown(test_file_larger_than_cache_size_is_refused_with_error_3, cleanup),
		cmocka_unit_test_teardown(test_endless_file_without_tsize_stays_within_cache_size, cleanup),
		cmocka_unit_test_teardown(test_abandoned_fetches_yield_memory_to_a_waited_for_one, cleanup),
		cmocka_unit_test_teardown(test_upstream_oack_above_what_we_asked_gets_error_8, cleanup),
		cmocka_unit_test_teardown(test_upstream_data_must_match_its_declared_tsize, cleanup),
		cmocka_unit_test_teardown(test_upstream_packets_only_from_the_route_interface, cleanup),
		cmocka_unit_test_teardown(test_slow_drip_upstream_ends_at_fetch_timeout, cleanup),
		cmocka_unit_test_teardown(test_client_windowsize_is_capped, cleanup),
		cmocka_unit_test_teardown(test_tick_reports_the_nearest_deadline, cleanup),
		cmocka_unit_test_teardown(test_upstream_stall_mid_transfer_reacks_then_gives_up, cleanup),
		cmocka_unit_test_teardown(test_session_refused_when_sockets_run_out, cleanup),
		cmocka_unit_test_teardown(test_disk_cache_survives_a_restart, cleanup),
		cmocka_unit_test_teardown(test_disk_cache_miss_and_failures_go_upstream, cleanup),
		cmocka_unit_test_teardown(test_same_path_on_two_servers_is_two_files, cleanup),
		/* Regressions of bugs fixed in tftp_proxy.c. */
		cmocka_unit_test_teardown(test_learned_servers_for_clients_on_one_subnet, cleanup),
		cmocka_unit_test_teardown(test_upstream_oack_without_tsize_is_honoured, cleanup),
		cmocka_unit_test_teardown(test_server_ignoring_options_with_upstream_blksize_512, cleanup),
		cmocka_unit_test_teardown(test_tsize_client_survives_a_slow_upstream_without_tsize, cleanup),
		cmocka_unit_test_teardown(test_server_error_reaches_client_and_frees_everything, cleanup),
		cmocka_unit_test_teardown(test_upstream_silent_retries_with_backoff_then_fails, cleanup),
		cmocka_unit_test_teardown(test_upstream_gap_in_window_is_acked_at_once, cleanup),
		cmocka_unit_test_teardown(test_disk_file_keeps_its_age_in_memory, cleanup),
	};

	/* ./test_tftp_proxy PATTERN runs the matching tests only. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("tftp_proxy", tests, NULL, NULL);
}
