/* xid_table.c - see xid_table.h. */
#include "xid_table.h"
#include "siphash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* SipHash under the table's key over (xid, hlen, chaddr): a client that
 * chooses its xid and MAC still cannot choose the bucket. */
static size_t bucket_of(const struct xid_table *t, const uint8_t *chaddr, uint8_t hlen,
			uint32_t xid)
{
	uint8_t in[4 + 1 + 16] = { (uint8_t)(xid >> 24), (uint8_t)(xid >> 16), (uint8_t)(xid >> 8),
				   (uint8_t)xid, hlen };
	size_t n = hlen < 16 ? hlen : 16;

	memcpy(in + 5, chaddr, n);
	return (size_t)(siphash24(t->seed, ~t->seed, in, 5 + n) & (t->nbuckets - 1));
}

int xid_table_init(struct xid_table *t, size_t capacity, int64_t ttl_ms, uint64_t seed)
{
	size_t nb = 1;

	memset(t, 0, sizeof(*t));
	while (nb * XID_WAYS < capacity)
		nb <<= 1;
	t->slots = calloc(nb * XID_WAYS, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nbuckets = nb;
	t->ttl_ms = ttl_ms;
	t->seed = seed;
	return 0;
}

void xid_table_free(struct xid_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

static bool same_key(const struct xid_entry *s, const uint8_t *chaddr, uint8_t hlen, uint32_t xid)
{
	return s->used && s->xid == xid && s->hlen == hlen && memcmp(s->chaddr, chaddr, hlen) == 0;
}

bool xid_table_put(struct xid_table *t, const struct xid_entry *e, int64_t now_ms)
{
	uint8_t hlen = e->hlen > 16 ? 16 : e->hlen;
	struct xid_entry *b = &t->slots[bucket_of(t, e->chaddr, hlen, e->xid) * XID_WAYS];
	struct xid_entry *victim = NULL;
	bool evicted = false;

	for (int i = 0; i < XID_WAYS; i++)
		if (same_key(&b[i], e->chaddr, hlen, e->xid)) {
			victim = &b[i];
			break;
		}
	for (int i = 0; !victim && i < XID_WAYS; i++)
		if (!b[i].used || b[i].expires_ms <= now_ms)
			victim = &b[i];
	/* A finished exchange gives way before a live one, and that is not
	 * an eviction. */
	for (int i = 0; !victim && i < XID_WAYS; i++)
		if (b[i].flags & XID_F_DONE)
			victim = &b[i];
	if (!victim) {
		victim = &b[0];
		for (int i = 1; i < XID_WAYS; i++)
			if (b[i].expires_ms < victim->expires_ms)
				victim = &b[i];
		evicted = true;
		t->evictions++;
	}
	*victim = *e;
	victim->hlen = hlen;
	victim->used = true;
	victim->expires_ms = now_ms + t->ttl_ms;
	t->inserts++;
	return evicted;
}

const struct xid_entry *xid_table_get(struct xid_table *t, const uint8_t *chaddr,
				      uint8_t hlen, uint32_t xid, int64_t now_ms)
{
	struct xid_entry *b;

	if (hlen > 16)
		hlen = 16;
	b = &t->slots[bucket_of(t, chaddr, hlen, xid) * XID_WAYS];
	for (int i = 0; i < XID_WAYS; i++)
		if (same_key(&b[i], chaddr, hlen, xid) && b[i].expires_ms > now_ms) {
			t->hits++;
			return &b[i];
		}
	t->misses++;
	return NULL;
}

void xid_table_done(struct xid_table *t, const struct xid_entry *e, int64_t now_ms)
{
	struct xid_entry *slot = (struct xid_entry *)e;

	/* e points into t->slots (from xid_table_get). */
	if (slot < t->slots || slot >= t->slots + t->nbuckets * XID_WAYS)
		return;
	slot->flags |= XID_F_DONE;
	if (slot->expires_ms > now_ms + XID_DONE_MS)
		slot->expires_ms = now_ms + XID_DONE_MS;
}
