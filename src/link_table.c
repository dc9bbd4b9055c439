/* link_table.c - see link_table.h. */
#include "link_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void link_table_init(struct link_table *t)
{
	memset(t, 0, sizeof(*t));
}

void link_table_free(struct link_table *t)
{
	free(t->links);
	free(t->addrs);
	free(t->addrs6);
	link_table_init(t);
}

void link_table_clear(struct link_table *t)
{
	t->nlinks = 0;
	t->naddrs = 0;
	t->naddrs6 = 0;
}

/* Make room for one more element of size sz in *v (n used, *cap allocated). */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*v, ncap * sz);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* Position of ifindex in t->links, or where it would go (*found false). */
static size_t link_pos(const struct link_table *t, int ifindex, bool *found)
{
	size_t lo = 0, hi = t->nlinks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->links[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->nlinks && t->links[lo].ifindex == ifindex;
	return lo;
}

const struct lt_link *link_table_find(const struct link_table *t, int ifindex)
{
	bool found;
	size_t i = link_pos(t, ifindex, &found);

	return found ? &t->links[i] : NULL;
}

static bool link_same(const struct lt_link *a, const struct lt_link *b)
{
	return a->mtu == b->mtu && a->up == b->up &&
	       strcmp(a->name, b->name) == 0 && memcmp(a->mac, b->mac, 6) == 0;
}

int link_table_set_link(struct link_table *t, const struct lt_link *l)
{
	bool found;
	size_t i = link_pos(t, l->ifindex, &found);

	if (found) {
		if (link_same(&t->links[i], l))
			return 0;
		t->links[i] = *l;
		return 1;
	}
	if (grow((void **)&t->links, t->nlinks, &t->caplinks, sizeof(*t->links)) < 0)
		return -ENOMEM;
	memmove(&t->links[i + 1], &t->links[i], (t->nlinks - i) * sizeof(*t->links));
	t->links[i] = *l;
	t->nlinks++;
	return 1;
}

static void addr_remove_at(struct link_table *t, size_t i)
{
	memmove(&t->addrs[i], &t->addrs[i + 1], (t->naddrs - i - 1) * sizeof(*t->addrs));
	t->naddrs--;
}

int link_table_del_link(struct link_table *t, int ifindex)
{
	bool found;
	size_t i = link_pos(t, ifindex, &found), k, j;

	/* The kernel reports the addresses gone first; this is for a
	 * message lost in between. */
	for (k = j = 0; k < t->naddrs; k++)
		if (t->addrs[k].ifindex != ifindex)
			t->addrs[j++] = t->addrs[k];
	t->naddrs = j;
	for (k = j = 0; k < t->naddrs6; k++)
		if (t->addrs6[k].ifindex != ifindex)
			t->addrs6[j++] = t->addrs6[k];
	t->naddrs6 = j;
	if (!found)
		return 0;
	memmove(&t->links[i], &t->links[i + 1], (t->nlinks - i - 1) * sizeof(*t->links));
	t->nlinks--;
	return 1;
}

/* The kernel's and libnl's identity of an IPv4 address. */
static bool addr_same_id(const struct lt_addr *a, const struct lt_addr *b)
{
	return a->ifindex == b->ifindex && a->local == b->local &&
	       a->prefixlen == b->prefixlen && a->address == b->address;
}

static size_t addr_pos(const struct link_table *t, const struct lt_addr *a)
{
	size_t i;

	for (i = 0; i < t->naddrs; i++)
		if (addr_same_id(&t->addrs[i], a))
			break;
	return i;
}

int link_table_set_addr(struct link_table *t, const struct lt_addr *a)
{
	size_t i = addr_pos(t, a), k;
	int changed = 1;

	if (i < t->naddrs) {
		/* Re-announced: it moves to the end. The relay sees that
		 * only if it changed or passes an address of its own link. */
		changed = t->addrs[i].secondary != a->secondary;
		for (k = i + 1; k < t->naddrs && !changed; k++)
			if (t->addrs[k].ifindex == a->ifindex)
				changed = 1;
		addr_remove_at(t, i);
	} else if (grow((void **)&t->addrs, t->naddrs, &t->capaddrs, sizeof(*t->addrs)) < 0) {
		return -ENOMEM;
	}
	t->addrs[t->naddrs++] = *a;
	return changed;
}

int link_table_del_addr(struct link_table *t, const struct lt_addr *a)
{
	size_t i = addr_pos(t, a);

	if (i == t->naddrs)
		return 0;
	addr_remove_at(t, i);
	return 1;
}

void link_table_put_addr(struct relay_link *l, const struct lt_addr *a)
{
	if (l->naddrs >= RELAY_MAX_ADDRS)
		return;
	if (!a->secondary && l->naddrs) {
		memmove(&l->addrs[1], &l->addrs[0], l->naddrs * sizeof(l->addrs[0]));
		memmove(&l->prefixlen[1], &l->prefixlen[0], l->naddrs);
		l->addrs[0] = a->local;
		l->prefixlen[0] = a->prefixlen;
	} else {
		l->addrs[l->naddrs] = a->local;
		l->prefixlen[l->naddrs] = a->prefixlen;
	}
	l->naddrs++;
}

static bool global6(const uint8_t a[16])
{
	return (a[0] & 0xe0) == 0x20 || (a[0] & 0xfe) == 0xfc;
}

static size_t addr6_pos(const struct link_table *t, const struct lt_addr6 *a)
{
	size_t i;

	for (i = 0; i < t->naddrs6; i++)
		if (t->addrs6[i].ifindex == a->ifindex && memcmp(t->addrs6[i].addr, a->addr, 16) == 0)
			break;
	return i;
}

int link_table_set_addr6(struct link_table *t, const struct lt_addr6 *a)
{
	size_t i;

	if (!global6(a->addr))
		return 0;
	i = addr6_pos(t, a);
	if (i < t->naddrs6) {
		t->addrs6[i].prefixlen = a->prefixlen;
		return 0;
	}
	if (grow((void **)&t->addrs6, t->naddrs6, &t->capaddrs6, sizeof(*t->addrs6)) < 0)
		return -ENOMEM;
	t->addrs6[t->naddrs6++] = *a;
	return 1;
}

int link_table_del_addr6(struct link_table *t, const struct lt_addr6 *a)
{
	size_t i = addr6_pos(t, a);

	if (i == t->naddrs6)
		return 0;
	memmove(&t->addrs6[i], &t->addrs6[i + 1], (t->naddrs6 - i - 1) * sizeof(*t->addrs6));
	t->naddrs6--;
	return 1;
}

const struct lt_addr6 *link_table_addr6(const struct link_table *t, int ifindex)
{
	for (size_t i = 0; i < t->naddrs6; i++)
		if (t->addrs6[i].ifindex == ifindex)
			return &t->addrs6[i];
	return NULL;
}
