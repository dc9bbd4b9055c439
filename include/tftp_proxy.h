/* tftp_proxy.h - TFTP proxy for clients on links with tftp-proxy = true.
 *
 * Two independent legs per file: clients fetch from the relay's address on
 * their link with what they negotiate (blksize clamped to the link MTU,
 * tsize, timeout, windowsize); the relay fetches from the real boot server
 * once per file with a large blksize and windowsize, into a size-capped
 * memory cache that every client of that file reads from, so a boot storm
 * costs one upstream transfer.
 *
 * The state machine is pure: sockets are abstract ids handed out by the
 * caller's struct tftp_io, time is passed in, and every packet to send
 * goes through io->send. The daemon wires it to UDP sockets in its epoll
 * loop; the unit tests drive it with a fake io. */
#ifndef PXR_TFTP_PROXY_H
#define PXR_TFTP_PROXY_H

#include "tftp_proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An address of either family: IPv6 as it is, IPv4 as ::ffff:a.b.c.d
 * (RFC 4291 §2.5.5.2, the form a dual-stack socket reports it in). All
 * zeros is no address. */
struct tftp_addr {
	uint8_t b[16];
};

/* ip in network order; 0.0.0.0 gives no address. */
static inline struct tftp_addr tftp_addr4(uint32_t ip)
{
	struct tftp_addr a = { { 0 } };

	if (ip) {
		a.b[10] = a.b[11] = 0xff;
		memcpy(&a.b[12], &ip, 4);
	}
	return a;
}

static inline struct tftp_addr tftp_addr6(const uint8_t b[16])
{
	struct tftp_addr a;

	memcpy(a.b, b, 16);
	return a;
}

static inline bool tftp_addr_is4(struct tftp_addr a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a.b, pfx, 12) == 0;
}

/* The IPv4 address in network order (of an IPv4 one). */
static inline uint32_t tftp_addr_to4(struct tftp_addr a)
{
	uint32_t ip;

	memcpy(&ip, &a.b[12], 4);
	return ip;
}

static inline bool tftp_addr_eq(struct tftp_addr a, struct tftp_addr b)
{
	return memcmp(a.b, b.b, 16) == 0;
}

static inline bool tftp_addr_unset(struct tftp_addr a)
{
	static const uint8_t zero[16];

	return memcmp(a.b, zero, 16) == 0;
}

/* a.b.c.d for an IPv4 address, RFC 5952 text for an IPv6 one; out. */
const char *tftp_addr_text(struct tftp_addr a, char *out, size_t cap);

struct tftp_io {
	void *user;
	/* A UDP socket bound to (local_ip, ephemeral port). Returns an id
	 * >= 0 or a negative errno. Addresses here are of either family. */
	int (*open)(void *user, struct tftp_addr local_ip);
	/* A UDP socket for a fetch from server_ip, bound to the address the
	 * route to it leaves from; *ifindex is that route's interface, the
	 * only one the server's answers may arrive on. Returns an id >= 0 or
	 * a negative errno (no route). */
	int (*open_upstream)(void *user, struct tftp_addr server_ip, int *ifindex);
	void (*close)(void *user, int sock);
	int (*send)(void *user, int sock, struct tftp_addr ip, uint16_t port, const uint8_t *buf,
		    size_t len);
	/* Optional second level of the cache (cache-dir): load a file not
	 * older than max_age_ms into a malloc'd buffer, with its age (0, or
	 * -ENOENT), and store a complete one. NULL: memory only. */
	int (*load)(void *user, struct tftp_addr server, const char *path, int64_t max_age_ms,
		    uint8_t **data, size_t *len, int64_t *age_ms);
	void (*store)(void *user, struct tftp_addr server, const char *path, const uint8_t *data, size_t len);
};

struct tftp_proxy_cfg {
	uint64_t cache_size;          /* bytes of file data kept */
	unsigned max_sessions;        /* client sessions, all links */
	unsigned max_per_client;      /* client sessions per client address */
	unsigned upstream_blksize;
	unsigned upstream_windowsize;
	int64_t cache_max_age_ms;     /* a cached file older than this is fetched again */
	int64_t fetch_timeout_ms;     /* a whole upstream transfer ends by then (0: 300 s) */
	uint64_t hash_key;            /* keys the hash of the learned-clients table */
};

/* Memory: every byte of file data, cached or still arriving, counts
 * against cache_size. A fetch that would pass it first evicts cached
 * files nobody reads, then stops fetches nobody waits for; a file that
 * still does not fit is refused (ERROR 3) and counted. */

/* A client's "timeout" option above this many seconds is not granted:
 * the session keeps its own backoff, and a silent client is given up
 * within RETRIES tries of at most this long. */
#define TFTP_PROXY_TIMEOUT_CAP 10
/* A session that no ACK has confirmed yet (the address may be forged) is
 * on probation: it holds no slot of max_sessions, a newer request may
 * evict the oldest one, and it ends this long after its first answer. */
#define TFTP_PROXY_PROBATION_MS 10000

struct tftp_stats {
	uint64_t sessions, sessions_refused, cache_hits, cache_misses, coalesced;
	uint64_t bytes_served, upstream_bytes, upstream_transfers, upstream_failures;
	uint64_t errors_sent, unknown_tid, evictions;
	uint64_t disk_hits;
	uint64_t malformed;           /* packets that were not TFTP, dropped */
	uint64_t bad_requests;        /* requests answered with ERROR: unparsable, bad path */
	uint64_t upstream_wrong_link; /* fetch packets from another interface, dropped */
	uint64_t upstream_invalid;    /* OACK or data breaking RFC 2347-2349/7440: fetch failed */
	uint64_t budget_refused;      /* files that do not fit cache-size: ERROR 3 */
	uint64_t fetches_stopped;     /* fetches nobody waited for, stopped for memory */
	uint64_t fetch_deadline;      /* fetches over fetch-timeout */
	uint64_t slots_full;          /* confirmed sessions refused: max-sessions in use */
	uint64_t probation_evicted;   /* unconfirmed sessions pushed out by newer requests */
	uint64_t probation_expired;   /* unconfirmed sessions that never got an ACK */
};

struct tftp_proxy;

struct tftp_proxy *tftp_proxy_new(const struct tftp_proxy_cfg *cfg, const struct tftp_io *io);
void tftp_proxy_free(struct tftp_proxy *px);

/* DHCP or DHCPv6 taught us: client_ip boots from server_ip (either may
 * be of either family: an IPv6 client may boot from an IPv4 server). */
void tftp_proxy_learn(struct tftp_proxy *px, struct tftp_addr client_ip,
		      struct tftp_addr server_ip, int64_t now_ms);

/* A request on the listening socket (port 69): from client_ip:port to
 * local_ip (our address on the client's link, whose MTU is mtu). */
void tftp_proxy_request(struct tftp_proxy *px, const uint8_t *buf, size_t len,
			struct tftp_addr client_ip, uint16_t client_port,
			struct tftp_addr local_ip, unsigned mtu, int64_t now_ms);

/* A datagram on socket sock (a session's or a fetch's), arrived on
 * interface ifindex. */
void tftp_proxy_input(struct tftp_proxy *px, int sock, const uint8_t *buf, size_t len,
		      struct tftp_addr src_ip, uint16_t src_port, int ifindex, int64_t now_ms);

/* Retransmissions and timeouts. Returns ms until the next deadline, -1
 * when nothing is pending. */
int tftp_proxy_tick(struct tftp_proxy *px, int64_t now_ms);

const struct tftp_stats *tftp_proxy_stats(const struct tftp_proxy *px);
/* Live sessions (confirmed and on probation) and fetches, and the bytes
 * of file data held (for tests and metrics). */
void tftp_proxy_usage(const struct tftp_proxy *px, unsigned *sessions, unsigned *fetches,
		      uint64_t *cached_bytes);
/* Bytes allocated for file data: never above cfg.cache_size. */
uint64_t tftp_proxy_held(const struct tftp_proxy *px);

#endif
