/* tftp_cache.c - the TFTP proxy's upstream side: the cache of files by
 * (boot server, path), the memory budget every byte of file data counts
 * against, the disk cache, and the fetches from the boot servers that
 * fill it. tftp_proxy.c holds the client sessions that read it. */
#include "tftp_proxy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cache ---- */

static void fetch_fail(struct tftp_proxy *px, struct fetch *f, uint16_t code, const char *msg,
		       int64_t now_ms);

void tpx_entry_free(struct tftp_proxy *px, struct entry *e)
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
			tpx_entry_free(px, victim);
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
			tpx_send_error(px, victim->fetch->sock, victim->fetch->server_ip,
				       victim->fetch->server_port, TFTP_ENOSPACE,
				       "transfer no longer wanted");
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

struct entry *tpx_cache_find(struct tftp_proxy *px, struct tftp_addr server, const char *path,
			     int64_t now_ms)
{
	for (struct entry *e = px->cache; e; e = e->next) {
		if (!tftp_addr_eq(e->server_ip, server) || strcmp(e->path, path) != 0 || e->failed)
			continue;
		/* Validation: a complete copy is trusted for cache_max_age. */
		if (e->complete && now_ms - e->fetched_ms > px->cfg.cache_max_age_ms &&
		    !e->sessions) {
			tpx_entry_free(px, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* The second level (cache-dir): a file fetched earlier, maybe by an
 * earlier run, not older than cache_max_age. */
struct entry *tpx_disk_find(struct tftp_proxy *px, struct tftp_addr server, const char *path,
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

/* ---- upstream fetches ---- */

static void fetch_end(struct tftp_proxy *px, struct fetch *f)
{
	if (f->e)
		f->e->fetch = NULL;
	tpx_unmap_sock(px, f->sock);
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
		tpx_entry_free(px, e);
		return;
	}
	/* Each waiting client gets the error; the last one to go frees the
	 * entry (session_end), so e is not touched after this. */
	tpx_entry_wake(px, e, now_ms);
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
	tpx_send_error(px, f->sock, f->server_ip, f->server_port, code, to_server);
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
	tpx_entry_wake(px, e, now_ms);
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
			tpx_send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOSPACE,
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
	tpx_entry_wake(px, e, now_ms);
}

void tpx_fetch_on_packet(struct tftp_proxy *px, struct fetch *f, const struct tftp_pkt *p,
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
		tpx_send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOSPACE, "file too large");
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
	tpx_entry_wake(px, e, now_ms);
}

/* NULL with *why set when no fetch can start. */
struct fetch *tpx_fetch_start(struct tftp_proxy *px, struct entry *e, int64_t now_ms,
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
	tpx_map_sock(px, f->sock, true, (unsigned)(f - px->fetches));
	px->io.send(px->io.user, f->sock, f->server_ip, TFTP_PORT, f->rrq, f->rrq_len);
	px->st.upstream_transfers++;
	return f;
}

void tpx_fetch_timeout(struct tftp_proxy *px, struct fetch *f, int64_t now_ms)
{
	if (now_ms >= f->end_ms) {
		/* A server dripping one block per retransmission timer would
		 * keep the fetch, its memory and its clients forever. */
		px->st.fetch_deadline++;
		if (f->server_port)
			tpx_send_error(px, f->sock, f->server_ip, f->server_port, TFTP_ENOTDEFINED,
				       "transfer too slow");
		fetch_fail(px, f, TFTP_ENOTDEFINED, "boot server too slow (fetch-timeout)", now_ms);
		return;
	}
	if (++f->tries > RETRIES) {
		fetch_fail(px, f, TFTP_ENOTDEFINED, "boot server stopped answering", now_ms);
		return;
	}
	f->rto_ms = tpx_next_rto(f->rto_ms);
	if (f->server_port == 0) {
		px->io.send(px->io.user, f->sock, f->server_ip, TFTP_PORT, f->rrq, f->rrq_len);
		fetch_arm(f, now_ms);
	} else {
		fetch_ack(px, f, f->received, now_ms);
	}
}
