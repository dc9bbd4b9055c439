/* ratelimit.c - token buckets per client and per link. See ratelimit.h. */
#include "ratelimit.h"
#include "siphash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rl_init(struct rl_table *t, size_t capacity, unsigned rate, unsigned burst, uint64_t seed)
{
	size_t n = 1;

	memset(t, 0, sizeof(*t));
	while (n * RL_WAYS < capacity)
		n <<= 1;
	t->slots = calloc(n * RL_WAYS, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nsets = n;
	t->seed = seed;
	rl_set(t, rate, burst);
	return 0;
}

void rl_free(struct rl_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

void rl_set(struct rl_table *t, unsigned rate, unsigned burst)
{
	t->rate = rate;
	t->burst = burst ? burst : 1;
}

uint64_t rl_client_key(const struct rl_table *t, int ifindex, const uint8_t *chaddr,
		       uint8_t hlen)
{
	uint8_t in[4 + 1 + 16] = { (uint8_t)(ifindex >> 24), (uint8_t)(ifindex >> 16),
				   (uint8_t)(ifindex >> 8), (uint8_t)ifindex, hlen };
	size_t n = hlen < 16 ? hlen : 16;

	memcpy(in + 5, chaddr, n);
	/* Keyed: a client that picks its MAC cannot pick a victim's key. */
	return siphash24(t->seed, t->seed ^ 0x5bd1e9955bd1e995ULL, in, 5 + n);
}

bool rl_take(struct rl_table *t, uint64_t key, int64_t now_ms)
{
	const uint64_t full = (uint64_t)t->burst * 1000;
	/* Stored hashed with the low bit set: never 0, so 0 marks a free
	 * slot. */
	uint64_t k = siphash24(t->seed, ~t->seed, &key, sizeof(key)) | 1;
	struct rl_bucket *set = &t->slots[((k >> 1) & (t->nsets - 1)) * RL_WAYS];
	struct rl_bucket *b = NULL, *victim = &set[0];

	if (t->rate == 0)
		return true;
	for (int i = 0; i < RL_WAYS; i++) {
		if (set[i].key == k) {
			b = &set[i];
			break;
		}
		if (victim->key != 0 && (set[i].key == 0 || set[i].stamp_ms < victim->stamp_ms))
			victim = &set[i];
	}
	if (!b) {
		b = victim;
		b->key = k;
		b->stamp_ms = now_ms;
		b->millitokens = full;
	} else if (now_ms > b->stamp_ms) {
		/* rate tokens per 1000 ms = rate millitokens per ms; a gap
		 * long enough to fill the bucket is not multiplied out. */
		uint64_t gap = (uint64_t)(now_ms - b->stamp_ms);

		if (gap >= full / t->rate + 1)
			b->millitokens = full;
		else if ((b->millitokens += gap * t->rate) > full)
			b->millitokens = full;
		b->stamp_ms = now_ms;
	} else if (now_ms < b->stamp_ms) {
		b->stamp_ms = now_ms;     /* the clock went back: no refill */
	}
	if (b->millitokens > full)
		b->millitokens = full;  /* the burst shrank on reload */
	if (b->millitokens < 1000)
		return false;
	b->millitokens -= 1000;
	return true;
}
