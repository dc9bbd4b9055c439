/* link_table.h - what link.c keeps of the kernel's interfaces and IPv4
 * addresses (and global IPv6 ones): only the fields the relay uses, in
 * flat arrays. Pure: no
 * I/O, no netlink; link.c feeds it parsed messages.
 *
 * Links are kept sorted by ifindex. Addresses are kept in the order the
 * kernel last announced them (a new or re-announced address moves to the
 * end, as libnl's cache did), because that order decides which primary
 * address becomes the default giaddr (link_table_put_addr). */
#ifndef PXR_LINK_TABLE_H
#define PXR_LINK_TABLE_H

#include "relay.h"

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lt_link {
	int ifindex;
	unsigned mtu;
	char name[IFNAMSIZ];     /* "" when the kernel sent none */
	uint8_t mac[6];          /* zero unless a 6-byte hardware address */
	bool up;                 /* IFF_UP */
};

struct lt_addr {
	int ifindex;
	uint32_t local;          /* network order; IFA_LOCAL, else IFA_ADDRESS */
	uint32_t address;        /* IFA_ADDRESS (the peer on point-to-point) */
	uint8_t prefixlen;
	bool secondary;          /* IFA_F_SECONDARY */
};

/* A global or unique-local IPv6 address (the DHCPv6 link-address);
 * link-local and other scopes are not kept. */
struct lt_addr6 {
	int ifindex;
	uint8_t addr[16];
	uint8_t prefixlen;
};

struct link_table {
	struct lt_link *links;   /* sorted by ifindex */
	size_t nlinks, caplinks;
	struct lt_addr *addrs;   /* announcement order */
	size_t naddrs, capaddrs;
	struct lt_addr6 *addrs6; /* announcement order */
	size_t naddrs6, capaddrs6;
};

void link_table_init(struct link_table *t);
void link_table_free(struct link_table *t);
/* Forget everything, keep the storage (before a full resync). */
void link_table_clear(struct link_table *t);

/* Each returns 1 when what the relay would build from the table changed,
 * 0 when not, -ENOMEM. */
int link_table_set_link(struct link_table *t, const struct lt_link *l);
/* Also forgets the link's addresses. */
int link_table_del_link(struct link_table *t, int ifindex);
int link_table_set_addr(struct link_table *t, const struct lt_addr *a);
int link_table_del_addr(struct link_table *t, const struct lt_addr *a);

/* IPv6: global and unique-local addresses only (others: 0, unchanged). */
int link_table_set_addr6(struct link_table *t, const struct lt_addr6 *a);
int link_table_del_addr6(struct link_table *t, const struct lt_addr6 *a);
/* The first global or unique-local address announced on ifindex, NULL. */
const struct lt_addr6 *link_table_addr6(const struct link_table *t, int ifindex);

const struct lt_link *link_table_find(const struct link_table *t, int ifindex);

/* Add one address to a relay link, the rule the relay has always used:
 * addresses are offered in table order; a primary goes to the front (so
 * the last primary offered becomes addrs[0], the default giaddr), a
 * secondary to the back; at most RELAY_MAX_ADDRS, later ones ignored. */
void link_table_put_addr(struct relay_link *l, const struct lt_addr *a);

#endif
