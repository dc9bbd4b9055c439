/* daemon.h - the running relay: its state and the three files that share
 * it. dataplane.c moves DHCP messages (capture -> relay -> servers, and
 * back); daemon.c starts and stops it, drops privileges, reloads and
 * handles signals; main.c has the command line and the epoll loop. */
#ifndef PXR_DAEMON_H
#define PXR_DAEMON_H

#include "capture.h"
#include "config.h"
#include "dhcp_msg.h"
#include "exchange.h"
#include "exchange6.h"
#include "frame.h"
#include "link.h"
#include "log.h"
#include "metrics.h"
#include "metrics_server.h"
#include "ratelimit.h"
#include "relay.h"
#include "stats.h"
#include "tftp_server.h"
#include "trace.h"
#include "upstream.h"

#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_CONFIG "/etc/pxerelay/pxerelay.conf"
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* The kernel ring for requests, all of it resident: 512 frames of 2 KiB,
 * about 8 ms of requests at 60 000/s. At 512 KiB a 2-core router busy at
 * 30 000 exchanges/s lost 0.1-0.4% of requests to the ring being full
 * while the relay was not scheduled; at 1 MiB none in four runs. */
#define CAPTURE_BUFFER (1024 << 10)
#define BATCH 64
#define XID_CAPACITY 8192          /* requests remembered until their reply */
#define RL_CLIENT_CAPACITY 8192    /* clients with a rate-limit bucket */
#define RL_IFACE_CAPACITY 8192     /* links with a rate-limit bucket */
/* A request's class is needed until the server's reply to it, which comes
 * within a second or two; each request of an exchange refreshes it. */
#define XID_TTL_MS 15000

/* epoll tags: data.u64 >> 32 says which source an event is from. */
enum {
	TAG_CAPTURE, TAG_UPSTREAM, TAG_NETLINK, TAG_SIGNAL, TAG_METRICS, TAG_METRICS_CONN,
	TAG_TFTP_LISTEN, TAG_TFTP_SOCK, TAG_UPSTREAM6,
};

/* The data plane's two sends: the seam a test uses to run the real
 * request and reply paths without sockets (as struct tftp_io does for the
 * TFTP proxy). The daemon queues on its UDP socket and its link-layer
 * socket (dataplane_io()); a test records. */
struct dp_io {
	void *user;
	/* A relayed request for server:67; cfg_idx names the client link. */
	void (*to_server)(void *user, uint32_t server, const uint8_t *buf, size_t len,
			  unsigned cfg_idx);
	/* A reply for the client on link l, from its address port 67 to
	 * dst_ip:68, Ethernet to dst_mac. 0 or a negative errno. */
	int (*to_client)(void *user, const struct relay_link *l, const uint8_t dst_mac[6],
			 uint32_t dst_ip, const uint8_t *buf, size_t len);
};

struct daemon {
	struct config *cfg;
	const char *cfg_path;          /* NULL: command line */
	struct relay_links links;
	struct relay_servers servers;
	int upstream_ifindex;
	struct capture *cap;
	struct inject *inj;
	int udp_fd;                       /* raw UDP: requests out, replies in */
	int hold_fd;                      /* hold-port-67's socket, or -1 */
	int udp6_fd;                      /* DHCPv6: UDP 547, or -1 without IPv6 servers */
	struct relay6_link *l6;           /* DHCPv6 side of the links with IPv6 servers */
	size_t nl6;
	int *joined;                      /* ifindexes where ff02::1:2 is joined, sorted */
	size_t njoined;
	struct exchange ex6;              /* DHCPv6 requests remembered for their replies */
	struct link_watch *lw;
	int sig_fd;
	int ep;
	struct stats st;
	struct exchange ex;               /* requests remembered for their replies */
	struct rl_table rl_clients;       /* rate-limit client, per (link, chaddr) */
	struct rl_table rl_ifaces;        /* rate-limit interface, per ifindex */
	int64_t resync_at_ms;             /* next try of a failed netlink resync */
	bool debug;
	struct metrics_server *metrics;
	struct tftp_server *tftp;      /* when an interface has tftp-proxy = true */
	struct trace *trace;
	const char *trace_path;        /* -w, else trace-file */
	const char *pid_path;          /* -p, else pid-file */
	int pid_fd;
	double start_time;
	char hostname[256];
	struct log_ratelimit rl[DROP__COUNT];
	struct log_ratelimit rl_too_big;
	bool quit;
	/* Scratch, reused for every packet: no allocation on the hot path. */
	struct dhcp_msg msg;
	struct relay_fwd fwd;
	struct relay_delivery dlv;
	struct upstream_rx *urx;          /* recvmmsg buffers for replies */
	struct upstream_tx *utx;          /* requests queued for sendmmsg */
	struct dp_io io;                  /* the sends (dataplane_io(), or a test's) */
	struct relay6_fwd fwd6;
	struct relay6_delivery dlv6;
	uint8_t rbuf6[DHCP6_MAX_LEN];     /* a rewritten DHCPv6 reply */
	uint8_t rxbuf6[8 + DHCP6_MAX_LEN + 1];   /* UDP header, message, one more */
};

/* dataplane.c */
int64_t now_ms(void);                 /* CLOCK_MONOTONIC, ms */
/* The link table from netlink's view and the configuration; logs what
 * changed. 0 or a negative errno (the old table stays). */
int links_rebuild(struct daemon *d);
/* Everything queued this loop turn goes out (before the link table or
 * the configuration change, which the queued tags index). */
void flush_sends(struct daemon *d);
/* capture_dispatch()'s callback: one client frame. */
void on_request(void *user, const struct frame_info *fi, int parse_error);
/* One datagram from the upstream socket: src, dst and the ifindex it came
 * in on. */
void on_reply(struct daemon *d, const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
	      int ifindex);
/* The sends on the daemon's own sockets. */
struct dp_io dataplane_io(struct daemon *d);
/* The upstream socket is readable: a few batches of replies. */
void drain_upstream(struct daemon *d);
/* The metrics text (endpoint and SIGUSR1 dump). */
void render_metrics(void *user, struct mbuf *out);
void dump_counters(struct daemon *d);

/* rate-limit: the client's bucket (ifindex, hw; hw NULL: none) first, so
 * a client refused does not spend its link's tokens, then the link's. */
enum drop_reason dataplane_rate_check(struct daemon *d, const struct relay_link *l,
				      const uint8_t *hw, uint8_t hlen, int64_t now);
/* A drop counted (and logged unless routine) under reason r. */
void dataplane_count_drop(struct daemon *d, enum drop_reason r, const struct relay_link *l,
			  const char *what);

/* dataplane6.c */
/* The DHCPv6 side of the links (after links_rebuild), ff02::1:2 joined. */
void links6_rebuild(struct daemon *d);
/* A DHCPv6 frame from the capture. */
void on_request6(struct daemon *d, const struct frame_info *fi);
/* The DHCPv6 socket is readable. */
void drain_upstream6(struct daemon *d);

/* daemon.c */
void on_signal(struct daemon *d);     /* signalfd readable */
/* Sockets, as root; then privileges dropped. -1 with the reason logged. */
int daemon_start(struct daemon *d);
/* Closes what daemon_start opened, whatever failed first. */
void daemon_stop(struct daemon *d);

#endif
