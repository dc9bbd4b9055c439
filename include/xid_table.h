/* xid_table.h - what the relay remembers of a request until its reply:
 * the reply carries no option 93, so the boot rule chosen for the request
 * is kept under (chaddr, xid). Bounded, with expiry, O(1). Pure.
 *
 * Layout: buckets of XID_WAYS slots. A key hashes (with a per-process
 * seed, so a client cannot aim at one bucket) to one bucket. When every
 * slot of that bucket holds a live entry, the one closest to expiry is
 * overwritten and counted as an eviction: under a flood the newest
 * requests win, and a reply whose request was evicted is relayed without
 * a rewrite (counted as a miss). Memory is fixed at init. */
#ifndef PXR_XID_TABLE_H
#define PXR_XID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XID_WAYS 4

struct xid_entry {
	uint8_t chaddr[16];
	uint8_t hlen;
	bool used;
	uint8_t flags;                /* XID_F_* */
	uint16_t max_msg_size;        /* client's option 57, 0: none */
	int16_t rule;                 /* first rule matching the client, -1: none */
	int32_t arch_wire;            /* as the client sent it, -1: unknown */
	uint32_t xid;
	uint32_t generation;          /* config generation the rule index is for */
	uint64_t more;                /* bit i: rule + 1 + i matches the client too */
	int64_t expires_ms;
};

#define XID_F_HTTP 1
#define XID_F_IPXE 2
#define XID_F_PXE  4
#define XID_F_DONE 8                  /* its ACK/NAK was relayed */
#define XID_DONE_MS 2000              /* a finished entry answers this much longer */

struct xid_table {
	struct xid_entry *slots;
	size_t nbuckets;              /* power of two */
	int64_t ttl_ms;
	uint64_t seed;
	uint64_t inserts, evictions, hits, misses;
};

/* capacity rounded up to a power of two of buckets * XID_WAYS. */
int xid_table_init(struct xid_table *t, size_t capacity, int64_t ttl_ms, uint64_t seed);
void xid_table_free(struct xid_table *t);
/* Insert or refresh. Returns true when a live entry had to be evicted. */
bool xid_table_put(struct xid_table *t, const struct xid_entry *e, int64_t now_ms);
/* NULL when absent or expired. */
const struct xid_entry *xid_table_get(struct xid_table *t, const uint8_t *chaddr,
				      uint8_t hlen, uint32_t xid, int64_t now_ms);
/* The exchange is over (its ACK or NAK was relayed): the entry that
 * xid_table_get() returned still answers for XID_DONE_MS (a second
 * server's reply to the same request, forward = all), and gives way to a
 * new entry before any live one, without counting an eviction. */
void xid_table_done(struct xid_table *t, const struct xid_entry *e, int64_t now_ms);

#endif
