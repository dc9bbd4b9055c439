/* tftp_proxy.c - see tftp_proxy.h. The client side: sessions (the relay
 * as TFTP server), the learned boot servers, the entry points. The cache
 * and the upstream fetches are in tftp_cache.c. */
#include "tftp_proxy_int.h"
#include "siphash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

const char *tftp_addr_text(struct tftp_addr a, char *out, size_t cap)
{
	if (tftp_addr_is4(a)) {
		uint32_t ip = tftp_addr_to4(a);

		return inet_ntop(AF_INET, &ip, out, (socklen_t)cap) ? out : "?";
	}
	return inet_ntop(AF_INET6, a.b, out, (socklen_t)cap) ? out : "?";
}

void tpx_map_sock(struct tftp_proxy *px, int sock, bool fetch, unsigned idx)
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

void tpx_unmap_sock(struct tftp_proxy *px, int sock)
{
	if (sock >= 0 && (size_t)sock < px->nsocks)
		px->socks[sock].used = false;
	px->io.close(px->io.user, sock);
}

void tpx_send_error(struct tftp_proxy *px, int sock, struct tftp_addr ip, uint16_t port,
		    uint16_t code, const char *msg)
{
	int n = tftp_build_error(px->buf, sizeof(px->buf), code, msg);

	if (n > 0) {
		px->io.send(px->io.user, sock, ip, port, px->buf, (size_t)n);
		px->st.errors_sent++;
	}
}

int64_t tpx_next_rto(int64_t rto)
{
	return rto * 2 > MAX_RTO_MS ? MAX_RTO_MS : rto * 2;
}

/* ---- learned boot servers ----
 * Buckets of LEARN_WAYS slots, the bucket picked by SipHash of the address
 * under the proxy's key (a host leasing addresses cannot aim them at one
 * bucket). A full bucket gives up the entry closest to expiry: that client
 * gets an error until its next DHCP exchange teaches us again. */

static struct learned *learned_bucket(struct tftp_proxy *px, struct tftp_addr client_ip)
{
	uint64_t h = siphash24(px->cfg.hash_key, ~px->cfg.hash_key, &client_ip, sizeof(client_ip));

	return &px->learned[(h % (LEARN_SLOTS / LEARN_WAYS)) * LEARN_WAYS];
}

void tftp_proxy_learn(struct tftp_proxy *px, struct tftp_addr client_ip,
		      struct tftp_addr server_ip, int64_t now_ms)
{
	struct learned *b = learned_bucket(px, client_ip), *slot = NULL;

	for (int i = 0; i < LEARN_WAYS && !slot; i++)
		if (tftp_addr_eq(b[i].client_ip, client_ip))
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

static struct tftp_addr learned_server(struct tftp_proxy *px, struct tftp_addr client_ip,
				       int64_t now_ms)
{
	struct learned *b = learned_bucket(px, client_ip);

	for (int i = 0; i < LEARN_WAYS; i++)
		if (tftp_addr_eq(b[i].client_ip, client_ip) && b[i].expires_ms > now_ms)
			return b[i].server_ip;
	return (struct tftp_addr){ { 0 } };
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
	tpx_unmap_sock(px, s->sock);
	s->used = false;
	if (s->confirmed)
		px->nconfirmed--;
	else
		px->nprobation--;
	if (e && e->failed && !e->sessions && !e->fetch)
		tpx_entry_free(px, e);
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
	tpx_send_error(px, s->sock, s->client_ip, s->client_port, code, msg);
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
void tpx_entry_wake(struct tftp_proxy *px, struct entry *e, int64_t now_ms)
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
static unsigned sessions_of(const struct tftp_proxy *px, struct tftp_addr client_ip,
			    bool confirmed)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		const struct session *s = &px->sessions[i];

		n += s->used && s->confirmed == confirmed &&
		     tftp_addr_eq(s->client_ip, client_ip);
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
	unsigned hdr = tftp_addr_is4(s->client_ip) ? IP_UDP_TFTP_HDR : IP6_UDP_TFTP_HDR;
	uint32_t frame = mtu > hdr + TFTP_BLKSIZE_MIN ? mtu - hdr : 512;

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

/* The oldest session on probation, of client_ip (no address: of anyone). */
static struct session *oldest_unconfirmed(struct tftp_proxy *px, struct tftp_addr client_ip)
{
	struct session *old = NULL;

	for (unsigned i = 0; i < 2 * px->nslots; i++) {
		struct session *s = &px->sessions[i];

		if (s->used && !s->confirmed && 
		    (tftp_addr_unset(client_ip) || tftp_addr_eq(s->client_ip, client_ip)) &&
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
static struct session *session_slot(struct tftp_proxy *px, struct tftp_addr client_ip)
{
	struct session *old = NULL;

	if (sessions_of(px, client_ip, false) >= px->cfg.max_per_client)
		old = oldest_unconfirmed(px, client_ip);
	else if (px->nprobation >= px->nslots)
		old = oldest_unconfirmed(px, (struct tftp_addr){ { 0 } });
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
			struct tftp_addr client_ip, uint16_t client_port,
			struct tftp_addr local_ip, unsigned mtu, int64_t now_ms)
{
	struct tftp_pkt p;
	struct session *s = NULL;
	struct entry *e;
	char path[TFTP_PATH_MAX];
	const char *why;
	struct tftp_addr server;
	int sock, err;

	err = tftp_parse(buf, len, &p);
	if (err < 0 && len >= 2 && buf[0] == 0 && (buf[1] == TFTP_RRQ || buf[1] == TFTP_WRQ)) {
		/* A request we cannot take still gets its answer, or the
		 * client waits out every timeout. */
		sock = px->io.open(px->io.user, local_ip);
		if (sock < 0)
			return;
		px->st.bad_requests++;
		tpx_send_error(px, sock, client_ip, client_port, TFTP_EBADOP, bad_request_reason(err));
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
		tpx_send_error(px, sock, client_ip, client_port, TFTP_EACCESS, "read-only: no WRQ");
		goto refused;
	}
	if (strcmp(p.mode, "octet") != 0 && strcmp(p.mode, "netascii") != 0) {
		tpx_send_error(px, sock, client_ip, client_port, TFTP_EBADOP, "mode not supported");
		goto refused;
	}
	if (tftp_normalise_path(p.path, path, sizeof(path)) < 0) {
		px->st.bad_requests++;
		tpx_send_error(px, sock, client_ip, client_port, TFTP_EACCESS, "path refused");
		goto refused;
	}
	/* Never an open relay: only the boot server DHCP named for this
	 * client (or its boot rule named). */
	server = learned_server(px, client_ip, now_ms);
	if (tftp_addr_unset(server)) {
		tpx_send_error(px, sock, client_ip, client_port, TFTP_EACCESS,
			       "no boot server known for this client");
		goto refused;
	}
	if (sessions_of(px, client_ip, true) >= px->cfg.max_per_client) {
		tpx_send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, "too many transfers");
		goto refused;
	}
	s = session_slot(px, client_ip);
	if (!s) {
		tpx_send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, "server busy");
		goto refused;
	}

	e = tpx_cache_find(px, server, path, now_ms);
	if (!e)
		e = tpx_disk_find(px, server, path, now_ms);
	if (e && e->complete) {
		px->st.cache_hits++;
	} else if (e) {
		px->st.coalesced++;
	} else {
		px->st.cache_misses++;
		e = calloc(1, sizeof(*e));
		if (!e) {
			tpx_send_error(px, sock, client_ip, client_port, TFTP_ENOSPACE, "out of memory");
			goto refused;
		}
		e->server_ip = server;
		snprintf(e->path, sizeof(e->path), "%s", path);
		e->used_ms = now_ms;
		e->next = px->cache;
		px->cache = e;
		if (!tpx_fetch_start(px, e, now_ms, &why)) {
			tpx_entry_free(px, e);
			tpx_send_error(px, sock, client_ip, client_port, TFTP_ENOTDEFINED, why);
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
	tpx_map_sock(px, sock, false, (unsigned)(s - px->sessions));
	px->st.sessions++;
	session_start(px, s, now_ms);
	return;
refused:
	px->st.sessions_refused++;
	px->io.close(px->io.user, sock);
}

void tftp_proxy_input(struct tftp_proxy *px, int sock, const uint8_t *buf, size_t len,
		      struct tftp_addr src_ip, uint16_t src_port, int ifindex, int64_t now_ms)
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
		if (!tftp_addr_eq(src_ip, f->server_ip) || (f->server_port && src_port != f->server_port)) {
			/* RFC 1350: "If a source TID does not match, the
			 * packet should be discarded as erroneously sent from
			 * somewhere else. An error packet should be sent to
			 * the source of the incorrect packet, while not
			 * disturbing the transfer." */
			tpx_send_error(px, sock, src_ip, src_port, TFTP_EBADID, "unknown transfer ID");
			px->st.unknown_tid++;
			return;
		}
		if (tftp_parse(buf, len, &p) == 0)
			tpx_fetch_on_packet(px, f, &p, src_port, now_ms);
		else
			px->st.malformed++;
		return;
	}
	{
		struct session *s = &px->sessions[m->idx];

		if (!tftp_addr_eq(src_ip, s->client_ip) || src_port != s->client_port) {
			tpx_send_error(px, sock, src_ip, src_port, TFTP_EBADID, "unknown transfer ID");
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
		s->rto_ms = tpx_next_rto(s->rto_ms);
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

int tftp_proxy_tick(struct tftp_proxy *px, int64_t now_ms)
{
	int64_t next = -1;

	for (unsigned i = 0; i < px->nslots; i++) {
		struct fetch *f = &px->fetches[i];

		if (f->used && now_ms >= f->deadline_ms)
			tpx_fetch_timeout(px, f, now_ms);
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
