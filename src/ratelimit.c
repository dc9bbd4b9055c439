/* ratelimit.c - token buckets per client and per link. See ratelimit.h. */
#include "ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

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

uint64_t rl_client_key(int ifindex, const uint8_t *chaddr, uint8_t hlen)
{
	uint64_t h = mix((uint64_t)(uint32_t)ifindex + 0x9e3779b97f4a7c15ULL);

	for (uint8_t i = 0; i < hlen && i < 16; i++)
		h = mix(h ^ ((uint64_t)chaddr[i] << ((i & 7) * 8)));
	return mix(h ^ hlen);
}

bool rl_take(struct rl_table *t, uint64_t key, int64_t now_ms)
{
	const uint64_t full = (uint64_t)t->burst * 1000;
	/* Stored hashed with the low bit set: never 0, so 0 marks a free
	 * slot. */
	uint64_t k = mix(key ^ t->seed) | 1;
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
