/* config.h - validated configuration (the keys of pxerelay.conf(5)). Built by config_load()
 * from a libconfuse file or by config_from_args() from the quick command
 * line; reload builds a new one and swaps it in. */
#ifndef PXR_CONFIG_H
#define PXR_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_SERVERS 16
#define CFG_MAX_ARCH    32
#define CFG_MAX_MATCH_IFACES 16
#define CFG_ID_MAX      255   /* a sub-option value fits 255 bytes */
#define CFG_MAX_SET_OPTIONS    8
#define CFG_MAX_REMOVE_OPTIONS 16

enum forward_mode { FORWARD_ALL, FORWARD_FAILOVER };
enum opt82_policy { POLICY_APPEND, POLICY_REPLACE, POLICY_FORWARD, POLICY_DISCARD };
enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* A list of servers as written: the IPv4 ones, and the IPv6 ones. */
struct server_list {
	uint32_t addr[CFG_MAX_SERVERS];   /* network order */
	size_t n;
	uint8_t addr6[CFG_MAX_SERVERS][16];
	size_t n6;
};

/* RFC 8415 §7.1: All_DHCP_Servers (ff05::1:3), which a servers list may
 * name beside unicast addresses: sent out of the upstream interface. */
extern const uint8_t cfg_all_dhcp_servers[16];
bool server_list_has_all_dhcp_servers(const struct server_list *l);

struct cfg_iface {
	char name[IFNAMSIZ];
	uint32_t giaddr;                  /* 0: the link's primary address */
	uint32_t vrrp_address;            /* served only while on the link; the giaddr */
	uint8_t link_address[16];         /* DHCPv6 link-address, :: for the link's own */
	char interface_id[64];            /* DHCPv6 interface-id, "": the name */
	struct server_list servers;       /* empty: the global list */
	char circuit_id[CFG_ID_MAX + 1];  /* empty: the global format */
	char remote_id[CFG_ID_MAX + 1];   /* empty: the global format */
	bool trusted;
	bool tftp_proxy;
	int line;
};

/* One set-option entry of a boot rule: "CODE TYPE VALUE" as written
 * (kept for -t), and the option's value on the wire. */
struct cfg_set_option {
	uint8_t code;
	uint8_t len;
	uint8_t value[255];
	char text[800];                   /* 255 bytes as aa:bb:.. hex fit */
};

struct cfg_boot {
	char name[64];
	uint16_t arch[CFG_MAX_ARCH];
	size_t narch;
	char vendor_class[128];           /* glob, empty: any */
	char user_class[128];             /* glob, empty: any */
	char ifaces[CFG_MAX_MATCH_IFACES][IFNAMSIZ];
	size_t nifaces;
	char mac[32];                     /* glob on aa:bb:cc:.., empty: any */
	/* Conditions on the server's reply (empty: any). */
	char offered_filename[256];       /* glob on option 67, else file */
	char offered_next_server[64];     /* glob on option 66 or siaddr */
	struct server_list from_servers;  /* the reply came from one of these */
	bool proxy_offers;                /* also edit ProxyDHCP offers */
	/* Settings; a rule with none is a pass. */
	char filename[256];
	uint32_t next_server;             /* 0: unchanged */
	char server_name[64];
	char bootfile_url[256];           /* DHCPv6 option 59, "": unchanged */
	char bootfile_param[256];         /* DHCPv6 option 60 (one parameter) */
	struct cfg_set_option set_opts[CFG_MAX_SET_OPTIONS];
	size_t nset_opts;
	uint8_t remove_opts[CFG_MAX_REMOVE_OPTIONS];
	size_t nremove_opts;
	int line;
};

struct cfg_tftp {
	uint64_t cache_size;
	char cache_dir[256];
	unsigned max_sessions;
	unsigned upstream_blksize;
	unsigned upstream_windowsize;
	unsigned max_age;                 /* seconds a cached file is served */
	unsigned fetch_timeout;           /* seconds an upstream transfer may take */
};

/* Requests relayed upstream, per second; 0: no limit. */
struct cfg_ratelimit {
	unsigned client;                  /* per client hardware address and link */
	unsigned client_burst;
	unsigned iface;                   /* per downstream link */
	unsigned iface_burst;
};

struct config {
	struct server_list servers;
	enum forward_mode forward;
	unsigned failover_timeout;        /* seconds without a reply */
	unsigned max_hops;
	char user[64];
	bool seccomp;                     /* filter system calls once started */
	bool hold_port_67;                /* own UDP 67 so no server starts beside us */
	enum log_level log_level;
	char upstream[IFNAMSIZ];          /* -u: replies only from this link */
	struct {
		enum opt82_policy policy;
		char circuit_id[CFG_ID_MAX + 1];
		char remote_id[CFG_ID_MAX + 1];
		bool link_selection;
		bool server_id_override;
		unsigned remote_id_enterprise;    /* DHCPv6 option 37, 0: not sent */
	} opt82;
	struct cfg_iface *ifaces;
	size_t nifaces;
	struct cfg_boot *boots;
	size_t nboots;
	struct cfg_tftp tftp;
	struct cfg_ratelimit ratelimit;
	char metrics[64];
	char pid_file[256];
	char trace_file[256];
	char source[256];                 /* file name, or "command line" */
};

void config_defaults(struct config *c);
/* Parse and validate a file. On error returns NULL and writes a message
 * "FILE:LINE: what" into err. */
struct config *config_load(const char *path, char *err, size_t errlen);
/* The same over text in memory; name stands for the file in messages. */
struct config *config_parse_text(const char *name, const char *text, size_t len,
				 char *err, size_t errlen);
/* Quick command line: -i names, optional -u, server addresses. */
struct config *config_from_args(char **ifaces, size_t nifaces, const char *upstream,
				char **servers, size_t nservers, char *err, size_t errlen);
void config_free(struct config *c);
/* Normalised form, every key with its effective value, re-readable. */
void config_print(const struct config *c, FILE *out);

const struct cfg_iface *config_iface(const struct config *c, const char *name);
/* The servers for an interface: its own list, else the global one. */
const struct server_list *config_servers(const struct config *c, const struct cfg_iface *ifc);
/* An IPv6 server is configured somewhere: DHCPv6 is relayed. */
bool config_has_ipv6(const struct config *c);

const char *policy_name(enum opt82_policy p);
const char *log_level_name(enum log_level l);

#endif
