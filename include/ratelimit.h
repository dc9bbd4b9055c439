/* ratelimit.h - token buckets for requests relayed upstream: one per
 * client (hardware address on a link) and one per downstream link. Pure:
 * the caller passes the time.
 *
 * A bucket holds up to `burst` tokens and gains `rate` per second; a
 * request takes one or is refused. Buckets live in a fixed table of
 * RL_WAYS-slot sets under a seeded hash (a client cannot aim at one set).
 * A key not in its set takes a free slot or the one used longest ago,
 * and starts full: a bucket left that long has refilled anyway, so
 * eviction only ever loosens a limit, never tightens one. */
#ifndef PXR_RATELIMIT_H
#define PXR_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RL_WAYS 4

struct rl_bucket {
	uint64_t key;                 /* hashed key, low bit set; 0: free */
	int64_t stamp_ms;             /* last refill */
	uint64_t millitokens;         /* tokens * 1000 */
};

struct rl_table {
	struct rl_bucket *slots;
	size_t nsets;                 /* power of two */
	uint64_t seed;
	unsigned rate;                /* tokens per second, 0: no limit */
	unsigned burst;               /* bucket size, >= 1 */
};

/* capacity rounded up to a power of two of sets * RL_WAYS. */
int rl_init(struct rl_table *t, size_t capacity, unsigned rate, unsigned burst, uint64_t seed);
void rl_free(struct rl_table *t);
/* New rate and burst; buckets kept (capped at the new burst). */
void rl_set(struct rl_table *t, unsigned rate, unsigned burst);
/* Take one token for key (any value; 0 is fine). true: allowed. */
bool rl_take(struct rl_table *t, uint64_t key, int64_t now_ms);
/* A key for a client: its hardware address (at most 16 bytes) on a link. */
uint64_t rl_client_key(const struct rl_table *t, int ifindex, const uint8_t *chaddr,
		       uint8_t hlen);

#endif
