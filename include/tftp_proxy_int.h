/* tftp_proxy_int.h - what the two halves of the TFTP proxy share:
 * tftp_proxy.c (client sessions, the learned boot servers, the entry
 * points) and tftp_cache.c (the cache, its memory budget and the upstream
 * fetches that fill it). Not for other modules: tftp_proxy.h is the API. */
#ifndef PXR_TFTP_PROXY_INT_H
#define PXR_TFTP_PROXY_INT_H

#include "tftp_proxy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT 69
#define RETRIES 5
#define FIRST_RTO_MS 1000
#define MAX_RTO_MS 4000
#define MAX_CLIENT_WINDOW 64
#define LEARN_SLOTS 8192
#define LEARN_WAYS 4
#define LEARN_TTL_MS (24 * 3600 * 1000LL)
/* IPv4 or IPv6 header, UDP header, TFTP DATA header */
#define IP_UDP_TFTP_HDR (20 + 8 + 4)
#define IP6_UDP_TFTP_HDR (40 + 8 + 4)
#define FETCH_TIMEOUT_DEFAULT_MS (300 * 1000LL)
#define FIRST_ALLOC 65536

struct entry;

/* One client transfer: the relay is the server here. */
struct session {
	bool used;
	bool confirmed;                    /* the client ACKed something: it holds a slot */
	int sock;
	struct tftp_addr client_ip, local_ip;
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
	struct tftp_addr server_ip;
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
	struct tftp_addr server_ip;
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
	struct tftp_addr client_ip, server_ip;
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

void tpx_entry_wake(struct tftp_proxy *px, struct entry *e, int64_t now_ms);
void tpx_map_sock(struct tftp_proxy *px, int sock, bool fetch, unsigned idx);
int64_t tpx_next_rto(int64_t rto);
void tpx_send_error(struct tftp_proxy *px, int sock, struct tftp_addr ip, uint16_t port,
		    uint16_t code, const char *msg);
void tpx_unmap_sock(struct tftp_proxy *px, int sock);
struct entry *tpx_cache_find(struct tftp_proxy *px, struct tftp_addr server, const char *path,
			     int64_t now_ms);
struct entry *tpx_disk_find(struct tftp_proxy *px, struct tftp_addr server, const char *path,
			    int64_t now_ms);
void tpx_entry_free(struct tftp_proxy *px, struct entry *e);
void tpx_fetch_on_packet(struct tftp_proxy *px, struct fetch *f, const struct tftp_pkt *p,
			 uint16_t src_port, int64_t now_ms);
struct fetch *tpx_fetch_start(struct tftp_proxy *px, struct entry *e, int64_t now_ms,
			      const char **why);
void tpx_fetch_timeout(struct tftp_proxy *px, struct fetch *f, int64_t now_ms);

#endif
