/* tftp_proxy.c - see tftp_proxy.h. */
#include "tftp_proxy.h"
#include "siphash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TFTP_PORT 69
#define RETRIES 5
#define FIRST_RTO_MS 1000
#define MAX_RTO_MS 4000
#define MAX_CLIENT_WINDOW 64
#define LEARN_SLOTS 8192
#define LEARN_WAYS 4
#define LEARN_TTL_MS (24 * 3600 * 1000LL)
#define IP_UDP_TFTP_HDR (20 + 8 + 4)
#define FETCH_TIMEOUT_DEFAULT_MS (300 * 1000LL)
#define FIRST_ALLOC 65536

struct entry;

/* One client transfer: the relay is the server here. */
struct session {
	bool used;
	bool confirmed;                    /* the client ACKed something: it holds a slot */
	int sock;
	uint32_t client_ip, local_ip;
	uint16_t client_port;
	struct entry *e;
	struct session *next_in_entry;
	struct tftp_opts asked, granted;   /* what the client asked, what we OACK */
	bool oack_pending;                 /* waiting for the size before OACK */
	bool oack_sent;                    /* waiting for ACK 0 */
	uint32_t blksize, windowsize;
	int64_t rto_ms;                    /* client's timeout option, or backoff */
	bool fixed_rto;
	uint64_t acked;                    /* blocks the client confirmed */
	uint64_t sent;                     /* highest block sent */
	int tries;
	int64_t deadline_ms;
	int64_t started_ms;
	int64_t probation_end_ms;          /* unconfirmed: given up then (0: nothing sent yet) */
};

/* One upstream transfer: the relay is the client here. */
struct fetch {
	bool used;
	int sock;
	uint32_t server_ip;
	uint16_t server_port;              /* the server's TID, 0 until it answers */
	int ifindex;                       /* answers arrive here or nowhere */
	bool oack_seen;
	bool gap_acked;                    /* a gap after gap_at was acknowledged */
	uint64_t gap_at;
	struct entry *e;
	uint32_t blksize, windowsize;
	uint32_t asked_blksize, asked_windowsize;
	uint64_t received;                 /* blocks in order so far */
	uint64_t acked;                    /* last block we acknowledged */
	int tries;
	int64_t rto_ms, deadline_ms;
	int64_t end_ms;                    /* fetch-timeout: the whole transfer ends by then */
	uint8_t rrq[600];
	size_t rrq_len;
};

/* A file, keyed by (server, path): complete, or filling from a fetch. */
struct entry {
	struct entry *next;                /* cache list */
	uint32_t server_ip;
	char path[TFTP_PATH_MAX];
	uint8_t *data;
	size_t len, cap;                   /* cap counts against cache_size */
	bool size_known;                   /* from the server's OACK tsize, or the end */
	uint64_t size;
	bool complete, failed;
	uint16_t err_code;
	char err_msg[128];
	struct fetch *fetch;
	struct session *sessions;
	int64_t fetched_ms, used_ms;
};

struct learned {
	uint32_t client_ip, server_ip;
	int64_t expires_ms;
};

struct sockmap {
	bool fetch;
	unsigned idx;
	bool used;
};

struct tftp_proxy {
	struct tftp_proxy_cfg cfg;
	struct tftp_io io;
	struct tftp_stats st;
	struct session *sessions;          /* 2 * nslots: confirmed and on probation */
	struct fetch *fetches;             /* nslots */
	unsigned nslots;
	unsigned nconfirmed, nprobation;   /* live sessions of each kind */
	struct entry *cache;
	uint64_t cached_bytes;             /* file bytes held */
	uint64_t held;                     /* bytes allocated for them, <= cfg.cache_size */
	struct learned learned[LEARN_SLOTS];
	struct sockmap *socks;
	size_t nsocks;
	uint8_t buf[TFTP_BLKSIZE_MAX + 4];
};

/* ---- small helpers ---- */

static void map_sock(struct tftp_proxy *px, int sock, bool fetch, unsigned idx)
{
	if ((size_t)sock >= px->nsocks) {
		size_t n = px->nsocks ? px->nsocks : 64;
		struct sockmap *m;

		while (n <= (size_t)sock)
			n *= 2;
		m = realloc(px->socks, n * sizeof(*m));
		if (!m)
			return;
		memset(m + px->nsocks, 0, (n - px->nsocks) * sizeof(*m));
		px->socks = m;
		px->nsocks = n;
	}
	px->socks[sock] = (struct sockmap){ .fetch = fetch, .idx = idx, .used = true };
}

static void unmap_sock(struct tftp_proxy *px, int sock)
{
	if (sock >= 0 && (size_t)sock < px->nsocks)
		px->socks[sock].used = false;
	px->io.close(px->io.user, sock);
}

static void send_error(struct tftp_proxy *px, int sock, uint32_t ip, uint16_t port,
		       uint16_t code, const char *msg)
{
	int n = tftp_build_error(px->buf, sizeof(px->buf), code, msg);

	if (n > 0) {
		px->io.send(px->io.user, sock, ip, port, px->buf, (size_t)n);
		px->st.errors_sent++;
	}
}

static int64_t next_rto(int64_t rto)
{
	return rto * 2 > MAX_RTO_MS ? MAX_RTO_MS : rto * 2;
}

/* ---- learned boot servers ----
 * Buckets of LEARN_WAYS slots, the bucket picked by SipHash of the address
 * under the proxy's key (a host leasing addresses cannot aim them at one
 * bucket). A full bucket gives up the entry closest to expiry: that client
 * gets an error until its next DHCP exchange teaches us again. */

static struct learned *learned_bucket(struct tftp_proxy *px, uint32_t client_ip)
{
	uint64_t h = siphash24(px->cfg.hash_key, ~px->cfg.hash_key, &client_ip, sizeof(client_ip));

	return &px->learned[(h % (LEARN_SLOTS / LEARN_WAYS)) * LEARN_WAYS];
}

void tftp_proxy_learn(struct tftp_proxy *px, uint32_t client_ip, uint32_t server_ip, int64_t now_ms)
{
	struct learned *b = learned_bucket(px, client_ip), *slot = NULL;

	for (int i = 0; i < LEARN_WAYS && !slot; i++)
		if (b[i].client_ip == client_ip)
			slot = &b[i];
	for (int i = 0; i < LEARN_WAYS && !slot; i++)
		if (b[i].expires_ms <= now_ms)
			slot = &b[i];
	if (!slot) {
		slot = &b[0];
		for (int i = 1; i < LEARN_WAYS; i++)
			if (b[i].expires_ms < slot->expires_ms)
				slot = &b[i];
	}
	*slot = (struct learned){ client_ip, server_ip, now_ms + LEARN_TTL_MS };
}

static uint32_t learned_server(struct tftp_proxy *px, uint32_t client_ip, int64_t now_ms)
{
	struct learned *b = learned_bucket(px, client_ip);

	for (int i = 0; i < LEARN_WAYS; i++)
		if (b[i].client_ip == client_ip && b[i].expires_ms > now_ms)
			return b[i].server_ip;
	return 0;
}

/* ---- cache ---- */

static void fetch_fail(struct tftp_proxy *px, struct fetch *f, uint16_t code, const char *msg,
		       int64_t now_ms);

static void entry_free(struct tftp_proxy *px, struct entry *e)
{
	struct entry **pp;

	for (pp = &px->cache; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	px->cached_bytes -= e->len;
	px->held -= e->cap;
	free(e->data);
	free(e);
}

/* Room for `extra` more bytes of file data within cache_size. First go
 * complete files nobody reads, oldest use first; then fetches nobody
 * waits for any more (a client that asked and left must not keep the
 * memory from one that is waiting). `keep` is the entry asking. */
static bool budget_make_room(struct tftp_proxy *px, uint64_t extra, const struct entry *keep,
			     int64_t now_ms)
{
	if (extra > px->cfg.cache_size)
		return false;
	while (px->held + extra > px->cfg.cache_size) {
		struct entry *victim = NULL;

		for (struct entry *e = px->cache; e; e = e->next)
			if (e != keep && (e->complete || e->failed) && !e->sessions && !e->fetch &&
			    (!victim || e->used_ms < victim->used_ms))
				victim = e;
		if (victim) {
			entry_free(px, victim);
			px->st.evictions++;
			continue;
		}
		for (struct entry *e = px->cache; e && !victim; e = e->next)
			if (e != keep && e->fetch && !e->sessions && e->cap)
				victim = e;
		if (!victim)
			return false;
		px->st.fetches_stopped++;
		if (victim->fetch->server_port)
			send_error(px, victim->fetch->sock, victim->fetch->server_ip,
				   victim->fetch->server_port, TFTP_ENOSPACE, "transfer no longer wanted");
		/* No session waits: fetch_fail frees the entry. */
		fetch_fail(px, victim->fetch, TFTP_ENOSPACE, "stopped: memory needed", now_ms);
	}
	return true;
}

/* Grow e's buffer to `cap` bytes, within the budget. */
static bool entry_reserve(struct tftp_proxy *px, struct entry *e, size_t cap, int64_t now_ms)
{
	uint8_t *p;

	if (cap <= e->cap)
		return true;
	if (!budget_make_room(px, cap - e->cap, e, now_ms))
		return false;
	p = realloc(e->data, cap);
	if (!p)
		return false;
	e->data = p;
	px->held += cap - e->cap;
	e->cap = cap;
	return true;
}

static struct entry *cache_find(struct tftp_proxy *px, uint32_t server, const char *path,
				int64_t now_ms)
{
	for (struct entry *e = px->cache; e; e = e->next) {
		if (e->server_ip != server || strcmp(e->path, path) != 0 || e->failed)
			continue;
		/* Validation: a complete copy is trusted for cache_max_age. */
		if (e->complete && now_ms - e->fetched_ms > px->cfg.cache_max_age_ms &&
		    !e->sessions) {
			entry_free(px, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* The second level (cache-dir): a file fetched earlier, maybe by an
 * earlier run, not older than cache_max_age. */
static struct entry *disk_find(struct tftp_proxy *px, uint32_t server, const char *path,
			       int64_t now_ms)
{
	struct entry *e;
	uint8_t *data = NULL;
	size_t len = 0;
	int64_t age = 0;

	if (!px->io.load ||
	    px->io.load(px->io.user, server, path, px->cfg.cache_max_age_ms, &data, &len, &age) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e || !budget_make_room(px, len, NULL, now_ms)) {
		free(e);
		free(data);
		return NULL;
	}
	e->server_ip = server;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->data = data;
	e->len = e->cap = len;
	e->size = len;
	e->size_known = e->complete = true;
	e->fetched_ms = now_ms - age;    /* its age goes on from the disk's */
	e->used_ms = now_ms;
	e->next = px->cache;
	px->cache = e;
	px->cached_bytes += len;
	px->held += len;
	px->st.disk_hits++;
	return e;
}

/* Keep n more bytes. The buffer doubles (exactly the declared size when
 * the server gave one), never past the budget: near it, it grows by what
 * is needed. False: no room. */
static bool entry_append(struct tftp_proxy *px, struct entry *e, const uint8_t *d, size_t n,
			 int64_t now_ms)
{
	if (n == 0)
		return true;       /* the empty last block of a file: nothing to keep */
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : FIRST_ALLOC;

		while (cap < e->len + n)
			cap *= 2;
		if (e->size_known && e->size >= e->len + n && e->size < cap)
			cap = (size_t)e->size;
		if (!entry_reserve(px, e, cap, now_ms) && !entry_reserve(px, e, e->len + n, now_ms))
			return false;
	}
	memcpy(e->data + e->len, d, n);
	e->len += n;
	px->cached_bytes += n;
	return true;
}

/* ---- client sessions ---- */

static void session_end(struct tftp_proxy *px, struct session *s)
{
	struct entry *e = s->e;

	if (e) {
		struct session **pp;

		for (pp = &e->sessions; *pp; pp = &(*pp)->next_in_entry)
			if (*pp == s) {
				*pp = s->next_in_entry;
				break;
			}
	}
	unmap_sock(px, s->sock);
	s->used = false;
	if (s->confirmed)
		px->nconfirmed--;
	else
		px->nprobation--;
	if (e && e->failed && !e->sessions && !e->fetch)
		entry_free(px, e);
}

/* The next timer: a retransmission, or the end of the probation, which
 * starts with the first packet sent to the client. */
static void session_arm(struct session *s, int64_t now_ms, bool sent)
{
	if (sent && !s->confirmed && !s->probation_end_ms)
		s->probation_end_ms = now_ms + TFTP_PROXY_PROBATION_MS;
	s->deadline_ms = now_ms + s->rto_ms;
	if (!s->confirmed && s->probation_end_ms && s->probation_end_ms < s->deadline_ms)
		s->deadline_ms = s->probation_end_ms;
}

static void session_fail(struct tftp_proxy *px, struct session *s, uint16_t code, const char *msg)
{
	send_error(px, s->sock, s->client_ip, s->client_port, code, msg);
	session_end(px, s);
}

/* Blocks in the file: the last one is short, possibly empty. */
static uint64_t total_blocks(const struct session *s)
{
	return s->e->size / s->blksize + 1;
}

/* Send blocks from `from` while the window and the data allow. */
static void session_send_from(struct tftp_proxy *px, struct session *s, uint64_t from,
			      int64_t now_ms)
{
	struct entry *e = s->e;
	bool sent = false;

	for (uint64_t b = from; b <= s->acked + s->windowsize; b++) {
		uint64_t off = (b - 1) * s->blksize;
		size_t n;
		int h;

		if (e->complete && b > total_blocks(s))
			break;
		if (!e->complete && e->len < off + s->blksize)
			break;                 /* not fetched yet: resume on growth */
		n = e->len - off < s->blksize ? e->len - off : s->blksize;
		h = tftp_build_data_hdr(px->buf, sizeof(px->buf), (uint16_t)b);
		if (n)         /* an empty file has no data buffer at all */
			memcpy(px->buf + h, e->data + off, n);
		px->io.send(px->io.user, s->sock, s->client_ip, s->client_port, px->buf,
			    (size_t)h + n);
		px->st.bytes_served += n;
		sent = true;
		if (b > s->sent)
			s->sent = b;
	}
	e->used_ms = now_ms;
	session_arm(s, now_ms, sent);
}

static void session_send_oack(struct tftp_proxy *px, struct session *s, int64_t now_ms)
{
	int n;

	if (s->granted.has_tsize)
		s->granted.tsize = s->e->size;
	n = tftp_build_oack(px->buf, sizeof(px->buf), &s->granted);
	if (n > 0)
		px->io.send(px->io.user, s->sock, s->client_ip, s->client_port, px->buf, (size_t)n);
	s->oack_pending = false;
	s->oack_sent = true;
	session_arm(s, now_ms, true);
}

/* The entry learned something (size, data, end, failure): move on. */
static void entry_wake(struct tftp_proxy *px, struct entry *e, int64_t now_ms)
{
	struct session *s = e->sessions, *next;

	for (; s; s = next) {
		next = s->next_in_entry;
		if (e->failed) {
			session_fail(px, s, e->err_code, e->err_msg);
			continue;
		}
		if (s->oack_pending) {
			if (e->size_known)
				session_send_oack(px, s, now_ms);
			continue;
		}
		if (!s->oack_sent && s->sent < s->acked + s->windowsize)
			session_send_from(px, s, s->sent + 1, now_ms);
	}
}

static void session_start(struct tftp_proxy *px, struct session *s, int64_t now_ms)
{
	bool any = s->granted.has_blksize || s->granted.has_tsize || s->granted.has_timeout ||
		   s->granted.has_windowsize;

	if (!any) {
		session_send_from(px, s, 1, now_ms);
	} else if (s->granted.has_tsize && !s->e->size_known) {
		s->oack_pending = true;      /* the size comes with the upstream OACK or the end */
		s->deadline_ms = now_ms + s->rto_ms;
	} else {
		session_send_oack(px, s, now_ms);
	}
}

/* Live sessions of one client, confirmed or on probation. */
static unsigned sessions_of(const struct tftp_proxy *px, uint32_t client_ip, bool confirmed)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		const struct session *s = &px->sessions[i];

		n += s->used && s->confirmed == confirmed && s->client_ip == client_ip;
	}
	return n;
}

/* The client answered from the address and port we sent to: it is real.
 * From now on it holds one of max_sessions' slots. False: the session
 * was refused and has ended. */
static bool session_confirm(struct tftp_proxy *px, struct session *s)
{
	if (s->confirmed)
		return true;
	if (px->nconfirmed >= px->nslots) {
		px->st.slots_full++;
		px->st.sessions_refused++;
		session_fail(px, s, TFTP_ENOTDEFINED, "server busy");
		return false;
	}
	if (sessions_of(px, s->client_ip, true) >= px->cfg.max_per_client) {
		px->st.sessions_refused++;
		session_fail(px, s, TFTP_ENOTDEFINED, "too many transfers");
		return false;
	}
	s->confirmed = true;
	px->nprobation--;
	px->nconfirmed++;
	return true;
}

static void session_on_packet(struct tftp_proxy *px, struct session *s, const struct tftp_pkt *p,
			      int64_t now_ms)
{
	uint64_t ack;

	if (p->op == TFTP_ERROR) {
		/* UEFI firmware aborts on purpose after reading tsize. */
		session_end(px, s);
		return;
	}
	if (p->op != TFTP_ACK) {
		session_fail(px, s, TFTP_EBADOP, "expected ACK");
		return;
	}
	if (s->oack_sent) {
		if (p->block != 0 || !session_confirm(px, s))
			return;
		s->oack_sent = false;
		s->tries = 0;
		session_send_from(px, s, 1, now_ms);
		return;
	}
	/* 16-bit block numbers roll over; pick the 64-bit block within the
	 * window that ends in these 16 bits. */
	ack = (s->acked & ~(uint64_t)0xffff) | p->block;
	if (ack < s->acked)
		ack += 0x10000;
	/* RFC 1123 4.2.3.1 (the Sorcerer's Apprentice Syndrome): "The sender
	 * (i.e., the side originating the DATA packets) must never resend the
	 * current DATA packet on receipt of a duplicate ACK." A duplicate or
	 * foreign ACK changes nothing; the timer resends. */
	if (ack <= s->acked || ack > s->sent)
		return;
	if (!session_confirm(px, s))
		return;
	s->acked = ack;
	s->tries = 0;
	if (!s->fixed_rto)
		s->rto_ms = FIRST_RTO_MS;
	if (s->e->complete && s->acked >= total_blocks(s)) {
		session_end(px, s);
		return;
	}
	session_send_from(px, s, s->acked + 1, now_ms);
}

/* ---- upstream fetches ---- */

static void fetch_end(struct tftp_proxy *px, struct fetch *f)
{
	if (f->e)
		f->e->fetch = NULL;
	unmap_sock(px, f->sock);
	f->used = false;
}

static void fetch_fail(struct tftp_proxy *px, struct fetch *f, uint16_t code, const char *msg,
		       int64_t now_ms)
{
	struct entry *e = f->e;

	px->st.upstream_failures++;
	e->failed = true;
	e->err_code = code;
	snprintf(e->err_msg, sizeof(e->err_msg), "%s", msg);
	fetch_end(px, f);
	if (!e->sessions) {
		entry_free(px, e);
		return;
	}
	/* Each waiting client gets the error; the last one to go frees the
	 * entry (session_end), so e is not touched after this. */
	entry_wake(px, e, now_ms);
}

/* The next timer: a retransmission, or the end of fetch-timeout. */
static void fetch_arm(struct fetch *f, int64_t now_ms)
{
	f->deadline_ms = now_ms + f->rto_ms;
	if (f->end_ms < f->deadline_ms)
		f->deadline_ms = f->end_ms;
}

static void fetch_ack(struct tftp_proxy *px, struct fetch *f, uint64_t block, int64_t now_ms)
{
	int n = tftp_build_ack(px->buf, sizeof(px->buf), (uint16_t)block);

	if (n > 0)
		px->io.send(px->io.user, f->sock, f->server_ip, f->server_port, px->buf, (size_t)n);
	f->acked = block;
	fetch_arm(f, now_ms);
}

/* The boot server broke the protocol: tell it (code), fail the waiting
 * clients, keep nothing. */
static void fetch_invalid(struct tftp_proxy *px, struct fetch *f, uint16_t code,
			  const char *to_server, const char *to_clients, int64_t now_ms)
{
	px->st.upstream_invalid++;
	send_error(px, f->sock, f->server_ip, f->server_port, code, to_server);
	fetch_fail(px, f, TFTP_ENOTDEFINED, to_clients, now_ms);
}

static void fetch_complete(struct tftp_proxy *px, struct fetch *f, int64_t now_ms)
{
	struct entry *e = f->e;

	/* RFC 2349: "the size of the file, in octets, is returned in the
	 * OACK". A file that ends at another size than the server declared
	 * is not the file it announced: nothing of it is kept or stored. */
	if (e->size_known && e->size != e->len) {
		px->st.upstream_invalid++;
		fetch_fail(px, f, TFTP_ENOTDEFINED, "boot server sent another size than it declared",
			   now_ms);
		return;
	}
	e->complete = true;
	e->size_known = true;
	e->size = e->len;
	e->fetched_ms = now_ms;
	if (e->cap > e->len && e->len) {
		uint8_t *p = realloc(e->data, e->len);

		if (p) {
			e->data = p;
			px->held -= e->cap - e->len;
			e->cap = e->len;
		}
	}
	if (px->io.store)
		px->io.store(px->io.user, e->server_ip, e->path, e->data, e->len);
	fetch_end(px, f);
	entry_wake(px, e, now_ms);
}

/* The server's OACK (RFC 2347) to what we asked. */
static void fetch_on_oack(struct tftp_proxy *px, struct fetch *f, const struct tftp_pkt *p,
			  int64_t now_ms)
{
	struct entry *e = f->e;

	/* RFC 2348: "The specified value must be less than or equal to the
	 * value specified by the client. The client must then either use
	 * the size specified in the OACK, or send an ERROR packet, with
	 * error code 8, to terminate the transfer." RFC 7440 says the same
	 * of windowsize; one we did not ask for is 1. */
	if (p->bad_option || (p->opts.has_blksize && p->opts.blksize > f->asked_blksize) ||
	    (p->opts.has_windowsize && p->opts.windowsize > f->asked_windowsize)) {
		fetch_invalid(px, f, TFTP_EOPTNEG, "option value above the one requested",
			      "boot server granted options out of range", now_ms);
		return;
	}
	f->oack_seen = true;
	f->blksize = p->opts.has_blksize ? p->opts.blksize : TFTP_DEFAULT_BLKSIZE;
	f->windowsize = p->opts.has_windowsize ? p->opts.windowsize : 1;
	if (p->opts.has_tsize) {
		/* RFC 2349: "If the file is too large for the client to
		 * handle, it may abort the transfer with an Error packet
		 * (error code 3)." The file must fit the cache whole, and
		 * its room is taken now. */
		if (p->opts.tsize > px->cfg.cache_size ||
		    !entry_reserve(px, e, (size_t)p->opts.tsize, now_ms)) {
			px->st.budget_refused++;
			send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOSPACE,
				   "file too large");
			fetch_fail(px, f, TFTP_ENOSPACE,
				   p->opts.tsize > px->cfg.cache_size
					   ? "file larger than the proxy's cache-size"
					   : "proxy cache full, try again", now_ms);
			return;
		}
		e->size_known = true;
		e->size = p->opts.tsize;
	}
	f->tries = 0;
	fetch_ack(px, f, 0, now_ms);
	entry_wake(px, e, now_ms);
}

static void fetch_on_packet(struct tftp_proxy *px, struct fetch *f, const struct tftp_pkt *p,
			    uint16_t src_port, int64_t now_ms)
{
	struct entry *e = f->e;

	/* RFC 1350: "the server ... chooses its own TID": the first answer
	 * names the port every later packet must come from. */
	if (f->server_port == 0)
		f->server_port = src_port;
	if (p->op == TFTP_ERROR) {
		fetch_fail(px, f, p->error_code, p->error_msg[0] ? p->error_msg : "upstream error",
			   now_ms);
		return;
	}
	if (p->op == TFTP_OACK && f->received == 0 && !f->oack_seen) {
		fetch_on_oack(px, f, p, now_ms);
		return;
	}
	if (p->op != TFTP_DATA)
		return;
	if (!f->oack_seen && f->received == 0) {
		/* DATA with no OACK first: the server ignored every option
		 * (RFC 2347 §2): plain 512-byte lockstep. */
		f->blksize = TFTP_DEFAULT_BLKSIZE;
		f->windowsize = 1;
	}
	if (p->block != (uint16_t)(f->received + 1)) {
		/* RFC 7440 §4: past a gap, acknowledge the last block received
		 * in order at once, so the server resends the window after it
		 * (once per gap: the rest of that window is dropped quietly).
		 * A repeated or older block is answered the same way. */
		uint16_t ahead = (uint16_t)(p->block - (uint16_t)f->received);

		if (ahead <= 0x8000 && ahead != 0) {
			if (f->gap_acked && f->gap_at == f->received)
				return;
			f->gap_acked = true;
			f->gap_at = f->received;
		}
		fetch_ack(px, f, f->received, now_ms);
		return;
	}
	f->gap_acked = false;
	if (p->data_len > f->blksize) {
		fetch_invalid(px, f, TFTP_EBADOP, "block larger than blksize",
			      "boot server sent blocks larger than agreed", now_ms);
		return;
	}
	if (e->size_known && e->len + p->data_len > e->size) {
		fetch_invalid(px, f, TFTP_EBADOP, "more data than tsize",
			      "boot server sent more than the size it declared", now_ms);
		return;
	}
	if (!entry_append(px, e, p->data, p->data_len, now_ms)) {
		px->st.budget_refused++;
		send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOSPACE, "file too large");
		fetch_fail(px, f, TFTP_ENOSPACE, "file larger than the proxy's cache-size", now_ms);
		return;
	}
	f->received++;
	f->tries = 0;
	f->rto_ms = FIRST_RTO_MS;
	px->st.upstream_bytes += p->data_len;
	if (p->data_len < f->blksize) {
		fetch_ack(px, f, f->received, now_ms);
		fetch_complete(px, f, now_ms);
		return;
	}
	if (f->received - f->acked >= f->windowsize)
		fetch_ack(px, f, f->received, now_ms);
	else
		fetch_arm(f, now_ms);
	entry_wake(px, e, now_ms);
}

/* NULL with *why set when no fetch can start. */
static struct fetch *fetch_start(struct tftp_proxy *px, struct entry *e, int64_t now_ms,
				 const char **why)
{
	struct tftp_opts o = {
		.has_blksize = true, .blksize = px->cfg.upstream_blksize,
		.has_tsize = true, .tsize = 0,
		.has_windowsize = px->cfg.upstream_windowsize > 1,
		.windowsize = px->cfg.upstream_windowsize,
	};
	struct fetch *f = NULL;
	int n, ifindex = 0;

	*why = "upstream busy";
	for (unsigned i = 0; i < px->nslots && !f; i++)
		if (!px->fetches[i].used)
			f = &px->fetches[i];
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->sock = px->io.open_upstream(px->io.user, e->server_ip, &ifindex);
	if (f->sock < 0) {
		*why = "no route to the boot server";
		return NULL;
	}
	n = tftp_build_rrq(f->rrq, sizeof(f->rrq), e->path, &o);
	if (n < 0) {
		px->io.close(px->io.user, f->sock);
		return NULL;
	}
	f->used = true;
	f->ifindex = ifindex;
	f->rrq_len = (size_t)n;
	f->server_ip = e->server_ip;
	f->e = e;
	f->blksize = f->asked_blksize = o.blksize;
	f->windowsize = f->asked_windowsize = o.has_windowsize ? o.windowsize : 1;
	f->rto_ms = FIRST_RTO_MS;
	f->end_ms = now_ms + (px->cfg.fetch_timeout_ms > 0 ? px->cfg.fetch_timeout_ms
							    : FETCH_TIMEOUT_DEFAULT_MS);
	fetch_arm(f, now_ms);
	e->fetch = f;
	map_sock(px, f->sock, true, (unsigned)(f - px->fetches));
	px->io.send(px->io.user, f->sock, f->server_ip, TFTP_PORT, f->rrq, f->rrq_len);
	px->st.upstream_transfers++;
	return f;
}

/* ---- entry points ---- */

struct tftp_proxy *tftp_proxy_new(const struct tftp_proxy_cfg *cfg, const struct tftp_io *io)
{
	struct tftp_proxy *px = calloc(1, sizeof(*px));

	if (!px)
		return NULL;
	px->cfg = *cfg;
	px->io = *io;
	px->nslots = cfg->max_sessions ? cfg->max_sessions : 1;
	px->sessions = calloc(2 * (size_t)px->nslots, sizeof(*px->sessions));
	px->fetches = calloc(px->nslots, sizeof(*px->fetches));
	if (!px->sessions || !px->fetches) {
		tftp_proxy_free(px);
		return NULL;
	}
	return px;
}

void tftp_proxy_free(struct tftp_proxy *px)
{
	if (!px)
		return;
	for (unsigned i = 0; px->sessions && i < 2 * px->nslots; i++)
		if (px->sessions[i].used)
			px->io.close(px->io.user, px->sessions[i].sock);
	for (unsigned i = 0; px->fetches && i < px->nslots; i++)
		if (px->fetches[i].used)
			px->io.close(px->io.user, px->fetches[i].sock);
	while (px->cache) {
		struct entry *e = px->cache;

		px->cache = e->next;
		free(e->data);
		free(e);
	}
	free(px->sessions);
	free(px->fetches);
	free(px->socks);
	free(px);
}

/* What we grant: the client's blksize clamped to one frame on its link,
 * its timeout up to TFTP_PROXY_TIMEOUT_CAP, its windowsize up to
 * MAX_CLIENT_WINDOW, tsize when asked. */
static void negotiate(struct session *s, const struct tftp_pkt *p, unsigned mtu)
{
	uint32_t frame = mtu > IP_UDP_TFTP_HDR + TFTP_BLKSIZE_MIN ? mtu - IP_UDP_TFTP_HDR : 512;

	s->asked = p->opts;
	memset(&s->granted, 0, sizeof(s->granted));
	s->blksize = TFTP_DEFAULT_BLKSIZE;
	s->windowsize = 1;
	s->rto_ms = FIRST_RTO_MS;
	if (p->opts.has_blksize) {
		s->granted.has_blksize = true;
		s->blksize = s->granted.blksize = p->opts.blksize < frame ? p->opts.blksize : frame;
	}
	if (p->opts.has_tsize)
		s->granted.has_tsize = true;
	/* RFC 2349: "The specified timeout value must match the value
	 * specified by the client." We cannot lower it, so a longer one is
	 * left out of the OACK (RFC 2347: options the server does not
	 * accept are omitted) and our own backoff runs: a client silent
	 * for 255 s per try must not hold a session for half an hour. */
	if (p->opts.has_timeout && p->opts.timeout <= TFTP_PROXY_TIMEOUT_CAP) {
		s->granted.has_timeout = true;
		s->granted.timeout = p->opts.timeout;
		s->rto_ms = (int64_t)p->opts.timeout * 1000;
		s->fixed_rto = true;
	}
	if (p->opts.has_windowsize) {
		s->granted.has_windowsize = true;
		s->windowsize = s->granted.windowsize =
			p->opts.windowsize < MAX_CLIENT_WINDOW ? p->opts.windowsize : MAX_CLIENT_WINDOW;
	}
}

/* The ERROR a request that cannot be parsed gets, by tftp_parse's code. */
static const char *bad_request_reason(int err)
{
	switch (err) {
	case -ENOENT:
		return "empty file name";
	case -ENAMETOOLONG:
		return "file name too long";
	case -EINVAL:
		return "bad transfer mode";
	default:
		return "malformed request";
	}
}

/* The oldest session on probation, of client_ip (0: of anyone). */
static struct session *oldest_unconfirmed(struct tftp_proxy *px, uint32_t client_ip)
{
	struct session *old = NULL;

	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		struct session *s = &px->sessions[i];

		if (s->used && !s->confirmed && (client_ip == 0 || s->client_ip == client_ip) &&
		    (!old || s->started_ms < old->started_ms))
			old = s;
	}
	return old;
}

/* A slot for a new, unconfirmed session. Its source address may be
 * forged, so it takes no slot a confirmed session could use: probation
 * has nslots places of its own, max_per_client per address, and when
 * they are full the oldest gives way (a real client answers within a
 * round trip, a forged one never). */
static struct session *session_slot(struct tftp_proxy *px, uint32_t client_ip)
{
	struct session *old = NULL;

	if (sessions_of(px, client_ip, false) >= px->cfg.max_per_client)
		old = oldest_unconfirmed(px, client_ip);
	else if (px->nprobation >= px->nslots)
		old = oldest_unconfirmed(px, 0);
	if (old) {
		px->st.probation_evicted++;
		session_fail(px, old, TFTP_ENOTDEFINED, "server busy");
	}
	for (unsigned i = 0; i < 2 * px->nslots; i++)
		if (!px->sessions[i].used)
			return &px->sessions[i];
	return NULL;
}

void tftp_proxy_request(struct tftp_proxy *px, const uint8_t *buf, size_t len,
			uint32_t client_ip, uint16_t client_port, uint32_t local_ip,
			unsigned mtu, int64_t now_ms)
{
	struct tftp_pkt p;
	struct session *s = NULL;
	struct entry *e;
	char path[TFTP_PATH_MAX];
	const char *why;
	uint32_t server;
	int sock, err;

	err = tftp_parse(buf, len, &p);
	if (err < 0 && len >= 2 && buf[0] == 0 && (buf[1] == TFTP_RRQ || buf[1] == TFTP_WRQ)) {
		/* A request we cannot take still gets its answer, or the
		 * client waits out every timeout. */
		sock = px->io.open(px->io.user, local_ip);
		if (sock < 0)
			return;
		px->st.bad_requests++;
		send_error(px, sock, client_ip, client_port, TFTP_EBADOP, bad_request_reason(err));
		goto refused;
	}
	if (err < 0 || (p.op != TFTP_RRQ && p.op != TFTP_WRQ)) {
		px->st.malformed++;   /* not a request: nothing to answer on port 69 */
		return;
	}
	/* RFC 1350: "each end of a connection chooses a TID for itself":
	 * every answer comes from a socket of the session's own. */
	sock = px->io.open(px->io.user, local_ip);
	if (sock < 0)
		return;
	if (p.op == TFTP_WRQ) {
		send_error(px, sock, client_ip, client_port, TFTP_EACCESS, "read-only: no WRQ");
		goto refused;
	}
	if (strcmp(p.mode, "octet") != 0 && strcmp(p.mode, "netascii") != 0) {
		send_error(px, sock, client_ip, client_port, TFTP_EBADOP, "mode not supported");
		goto refused;
	}
	if (tftp_normalise_path(p.path, path, sizeof(path)) < 0) {
		px->st.bad_requests++;
		send_error(px, sock, client_ip, client_port, TFTP_EACCESS, "path refused");
		goto refused;
	}
	/* Never an open relay: only the boot server DHCP named for this
	 * client (or its boot rule named). */
	server = learned_server(px, client_ip, now_ms);
	if (!server) {
		send_error(px, sock, client_ip, client_port, TFTP_EACCESS,
			   "no boot server known for this client");
		goto refused;
	}
	if (sessions_of(px, client_ip, true) >= px->cfg.max_per_client) {
		send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, "too many transfers");
		goto refused;
	}
	s = session_slot(px, client_ip);
	if (!s) {
		send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, "server busy");
		goto refused;
	}

	e = cache_find(px, server, path, now_ms);
	if (!e)
		e = disk_find(px, server, path, now_ms);
	if (e && e->complete) {
		px->st.cache_hits++;
	} else if (e) {
		px->st.coalesced++;
	} else {
		px->st.cache_misses++;
		e = calloc(1, sizeof(*e));
		if (!e) {
			send_error(px, sock, client_ip, client_port, TFTP_ENOSPACE, "out of memory");
			goto refused;
		}
		e->server_ip = server;
		snprintf(e->path, sizeof(e->path), "%s", path);
		e->used_ms = now_ms;
		e->next = px->cache;
		px->cache = e;
		if (!fetch_start(px, e, now_ms, &why)) {
			entry_free(px, e);
			send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, why);
			goto refused;
		}
	}

	memset(s, 0, sizeof(*s));
	s->used = true;
	s->sock = sock;
	s->client_ip = client_ip;
	s->client_port = client_port;
	s->local_ip = local_ip;
	s->started_ms = now_ms;
	px->nprobation++;
	s->e = e;
	s->next_in_entry = e->sessions;
	e->sessions = s;
	negotiate(s, &p, mtu ? mtu : 1500);
	map_sock(px, sock, false, (unsigned)(s - px->sessions));
	px->st.sessions++;
	session_start(px, s, now_ms);
	return;
refused:
	px->st.sessions_refused++;
	px->io.close(px->io.user, sock);
}

void tftp_proxy_input(struct tftp_proxy *px, int sock, const uint8_t *buf, size_t len,
		      uint32_t src_ip, uint16_t src_port, int ifindex, int64_t now_ms)
{
	struct sockmap *m;
	struct tftp_pkt p;

	if (sock < 0 || (size_t)sock >= px->nsocks || !px->socks[sock].used)
		return;
	m = &px->socks[sock];
	if (m->fetch) {
		struct fetch *f = &px->fetches[m->idx];

		/* The boot server's packets come in by the route toward it.
		 * One with its address arriving on any other interface (a
		 * client link) is forged: dropped unanswered, before it can
		 * claim the server's TID or a block of the file, since what
		 * a fetch brings in is served to every client of the cache. */
		if (f->ifindex > 0 && ifindex != f->ifindex) {
			px->st.upstream_wrong_link++;
			return;
		}
		if (src_ip != f->server_ip || (f->server_port && src_port != f->server_port)) {
			/* RFC 1350: "If a source TID does not match, the
			 * packet should be discarded as erroneously sent from
			 * somewhere else. An error packet should be sent to
			 * the source of the incorrect packet, while not
			 * disturbing the transfer." */
			send_error(px, sock, src_ip, src_port, TFTP_EBADID, "unknown transfer ID");
			px->st.unknown_tid++;
			return;
		}
		if (tftp_parse(buf, len, &p) == 0)
			fetch_on_packet(px, f, &p, src_port, now_ms);
		else
			px->st.malformed++;
		return;
	}
	{
		struct session *s = &px->sessions[m->idx];

		if (src_ip != s->client_ip || src_port != s->client_port) {
			send_error(px, sock, src_ip, src_port, TFTP_EBADID, "unknown transfer ID");
			px->st.unknown_tid++;
			return;
		}
		if (tftp_parse(buf, len, &p) < 0) {
			px->st.malformed++;
			session_fail(px, s, TFTP_EBADOP, "malformed packet");
			return;
		}
		session_on_packet(px, s, &p, now_ms);
	}
}

static void session_timeout(struct tftp_proxy *px, struct session *s, int64_t now_ms)
{
	if (!s->confirmed && s->probation_end_ms && now_ms >= s->probation_end_ms) {
		/* Nothing ever came back from that address: end quietly. */
		px->st.probation_expired++;
		session_end(px, s);
		return;
	}
	if (s->oack_pending) {
		/* Waiting for the size while the fetch runs: the fetch has
		 * its own timer and fails this session if the server stops. */
		if (s->e->fetch) {
			s->deadline_ms = now_ms + s->rto_ms;
			return;
		}
		session_fail(px, s, TFTP_ENOTDEFINED, "no file size from the boot server");
		return;
	}
	if (++s->tries > RETRIES) {
		session_fail(px, s, TFTP_ENOTDEFINED, "timed out");
		return;
	}
	if (!s->fixed_rto)
		s->rto_ms = next_rto(s->rto_ms);
	if (s->oack_sent) {
		s->oack_sent = false;
		session_send_oack(px, s, now_ms);
	} else if (s->sent > s->acked) {
		session_send_from(px, s, s->acked + 1, now_ms);   /* resend the window */
	} else {
		/* Nothing in flight: waiting on the upstream; keep waiting
		 * while it makes progress (the fetch has its own timer). */
		s->tries = 0;
		session_arm(s, now_ms, false);
	}
}

static void fetch_timeout(struct tftp_proxy *px, struct fetch *f, int64_t now_ms)
{
	if (now_ms >= f->end_ms) {
		/* A server dripping one block per retransmission timer would
		 * keep the fetch, its memory and its clients forever. */
		px->st.fetch_deadline++;
		if (f->server_port)
			send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOTDEFINED,
				   "transfer too slow");
		fetch_fail(px, f, TFTP_ENOTDEFINED, "boot server too slow (fetch-timeout)", now_ms);
		return;
	}
	if (++f->tries > RETRIES) {
		fetch_fail(px, f, TFTP_ENOTDEFINED, "boot server stopped answering", now_ms);
		return;
	}
	f->rto_ms = next_rto(f->rto_ms);
	if (f->server_port == 0) {
		px->io.send(px->io.user, f->sock, f->server_ip, TFTP_PORT, f->rrq, f->rrq_len);
		fetch_arm(f, now_ms);
	} else {
		fetch_ack(px, f, f->received, now_ms);
	}
}

int tftp_proxy_tick(struct tftp_proxy *px, int64_t now_ms)
{
	int64_t next = -1;

	for (unsigned i = 0; i < px->nslots; i++) {
		struct fetch *f = &px->fetches[i];

		if (f->used && now_ms >= f->deadline_ms)
			fetch_timeout(px, f, now_ms);
	}
	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		struct session *s = &px->sessions[i];

		if (s->used && now_ms >= s->deadline_ms)
			session_timeout(px, s, now_ms);
	}
	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		int64_t d = -1;

		if (px->sessions[i].used)
			d = px->sessions[i].deadline_ms - now_ms;
		if (i < px->nslots && px->fetches[i].used &&
		    (d < 0 || px->fetches[i].deadline_ms - now_ms < d))
			d = px->fetches[i].deadline_ms - now_ms;
		if (d >= 0 && (next < 0 || d < next))
			next = d;
		else if (d < 0 && (px->sessions[i].used || (i < px->nslots && px->fetches[i].used)))
			next = 0;
	}
	return next < 0 ? -1 : (int)(next > 60000 ? 60000 : next);
}

const struct tftp_stats *tftp_proxy_stats(const struct tftp_proxy *px)
{
	return &px->st;
}

void tftp_proxy_usage(const struct tftp_proxy *px, unsigned *sessions, unsigned *fetches,
		      uint64_t *cached_bytes)
{
	*sessions = px->nconfirmed + px->nprobation;
	*fetches = 0;
	for (unsigned i = 0; i < px->nslots; i++)
		*fetches += px->fetches[i].used;
	*cached_bytes = px->cached_bytes;
}

uint64_t tftp_proxy_held(const struct tftp_proxy *px)
{
	return px->held;
}
