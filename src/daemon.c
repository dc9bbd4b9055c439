/* daemon.c - the relay's life: start (sockets as root, then privileges
 * dropped), stop, SIGHUP reload (a new configuration swapped in, the old
 * one kept when the new one is bad), signals, the pid file. */
#include "daemon.h"
#include "sandbox.h"
#include "upstream6.h"
#include "inject.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
static void reload(struct daemon *d)
{
	char err[512];
	struct config *fresh;

	if (!d->cfg_path) {
		log_info("SIGHUP: configured from the command line, nothing to reload");
		return;
	}
	fresh = config_load(d->cfg_path, err, sizeof(err));
	if (!fresh) {
		log_error("reload: %s; keeping the running configuration", err);
		return;
	}
	if (stats_configure(&d->st, fresh) < 0) {
		log_error("reload: out of memory; keeping the running configuration");
		config_free(fresh);
		return;
	}
	/* The link table points into the config: rebuild before freeing. */
	{
		struct config *old = d->cfg;

		d->cfg = fresh;
		if (links_rebuild(d) < 0) {
			d->cfg = old;
			stats_configure(&d->st, old);
			config_free(fresh);
			return;
		}
		config_free(old);
	}
	exchange_configure(&d->ex, d->cfg, &d->st);
	if (d->udp6_fd >= 0)
		exchange_configure(&d->ex6, d->cfg, &d->st);
	else if (config_has_ipv6(d->cfg))
		log_warn("reload: IPv6 servers need a restart to take effect");
	log_set_level(d->debug ? LOG_LVL_DEBUG : d->cfg->log_level);
	rl_set(&d->rl_clients, d->cfg->ratelimit.client, d->cfg->ratelimit.client_burst);
	rl_set(&d->rl_ifaces, d->cfg->ratelimit.iface, d->cfg->ratelimit.iface_burst);
	for (size_t i = 0; i < d->cfg->nifaces && !d->tftp; i++)
		if (d->cfg->ifaces[i].tftp_proxy) {
			/* Port 69 can only be bound as root, at start. */
			log_warn("reload: tftp-proxy on %s needs a restart to take effect",
				 d->cfg->ifaces[i].name);
			break;
		}
	if (!d->cfg->hold_port_67 && d->hold_fd >= 0) {
		close(d->hold_fd);
		d->hold_fd = -1;
		log_info("reload: UDP port 67 released (hold-port-67 = false)");
	} else if (d->cfg->hold_port_67 && d->hold_fd < 0) {
		log_warn("reload: hold-port-67 needs a restart to take effect");
	}
	log_info("reloaded %s: %zu interfaces, %zu servers", d->cfg_path,
		 d->cfg->nifaces, d->cfg->servers.n);
}

void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGUSR1:
			dump_counters(d);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: exiting", si.ssi_signo);
			d->quit = true;
			break;
		}
	}
}

/* ---- start-up ---- */

static int drop_privileges(const char *user, const char *cache_dir)
{
	struct passwd *pw;

	if (getuid() != 0 || !user[0] || strcmp(user, "root") == 0)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		log_error("user '%s' does not exist (set user = \"root\" to stay root)", user);
		return -1;
	}
	/* Every socket this process needs is open by now, and none has to be
	 * opened again for a link that appears later: the one capture on
	 * "any" sees new links, the one packet socket sends on any ifindex,
	 * UDP 67 is bound to all addresses, netlink notifications need no
	 * privilege. So neither CAP_NET_RAW nor CAP_NET_BIND_SERVICE is kept:
	 * setuid() from root clears every capability. */
	if (cache_dir && cache_dir[0] && chown(cache_dir, pw->pw_uid, pw->pw_gid) < 0)
		log_errno(LOG_LVL_WARN, "tftp-proxy: cache-dir %s", cache_dir);
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_errno(LOG_LVL_ERROR, "dropping privileges to %s", user);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_errno(LOG_LVL_WARN, "PR_SET_NO_NEW_PRIVS");
	return 0;
}

static int ep_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tag << 32 };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}



/* The pid file is held locked while we run: a second pxerelay given the
 * same file refuses to start (and UDP port 67, bound without
 * SO_REUSEADDR, refuses a second relay of any kind on this host). */
static int pid_file_take(struct daemon *d)
{
	char buf[32];
	int n;

	d->pid_fd = -1;
	if (!d->pid_path || !d->pid_path[0])
		return 0;
	d->pid_fd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd < 0) {
		log_errno(LOG_LVL_ERROR, "pid file %s", d->pid_path);
		return -1;
	}
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(d->pid_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_error("pid file %s is held by a running pxerelay (pid %s)", d->pid_path,
			  buf[0] ? buf : "?");
		close(d->pid_fd);
		d->pid_fd = -1;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, buf, (size_t)n, 0) != n) {
		log_errno(LOG_LVL_ERROR, "writing pid file %s", d->pid_path);
		return -1;
	}
	return 0;
}

static void trace_injected(void *user, int ifindex, const uint8_t *frame, size_t len)
{
	trace_ether(user, ifindex, frame, len);
}

/* The last step of the start: every socket is open, the privileges are
 * gone, and from here only the loop's system calls stay allowed. */
static int enter_sandbox(const struct config *cfg)
{
	if (!cfg->seccomp) {
		log_info("seccomp = false: no system call filter");
		return 0;
	}
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* The sanitizers' own runtime (a leak check at exit stops the world
	 * with ptrace) is not what the filter is for. */
	log_info("sanitizer build: no system call filter");
	return 0;
#else
	char err[256];
	const char *const *names;

	if (sandbox_enter(err, sizeof(err)) < 0) {
		log_error("%s (set seccomp = false to run without the filter)", err);
		return -1;
	}
	log_info("seccomp: system call filter on (%zu calls allowed)", sandbox_allowed(&names));
	return 0;
#endif
}

int daemon_start(struct daemon *d)
{
	char err[512];
	sigset_t mask;
	struct timespec ts;
	bool *present;
	uint64_t seed;

	/* Closed descriptors are -1 (0 is a valid one): daemon_stop closes
	 * what was opened, whatever failed first. */
	d->udp_fd = d->hold_fd = d->udp6_fd = d->sig_fd = d->ep = d->pid_fd = -1;
	d->io = dataplane_io(d);
	/* glibc raises its mmap threshold after the first large free and
	 * then keeps freed TFTP file buffers in the heap (measured: 6 MiB
	 * more after each failed 64 MiB fetch). A fixed threshold puts large
	 * buffers in their own mappings, returned to the kernel when freed.
	 * At 64 KiB it also gives the request and rate-limit tables and the
	 * receive buffers fresh zero pages, resident only where used; carved
	 * from the heap, 240 kB of them were resident at start. */
	mallopt(M_MMAP_THRESHOLD, 64 << 10);
	mallopt(M_TRIM_THRESHOLD, 256 << 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	d->start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (gethostname(d->hostname, sizeof(d->hostname) - 1) < 0)
		snprintf(d->hostname, sizeof(d->hostname), "pxerelay");
	/* The hash tables' key: a client that could guess it could aim
	 * every entry at one bucket. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	if (!d->pid_path && d->cfg->pid_file[0])
		d->pid_path = d->cfg->pid_file;
	if (!d->trace_path && d->cfg->trace_file[0])
		d->trace_path = d->cfg->trace_file;
	if (pid_file_take(d) < 0)
		return -1;
	if (stats_configure(&d->st, d->cfg) < 0 ||
	    exchange_init(&d->ex, XID_CAPACITY, XID_TTL_MS, seed) < 0 ||
	    rl_init(&d->rl_clients, RL_CLIENT_CAPACITY, d->cfg->ratelimit.client,
		    d->cfg->ratelimit.client_burst, seed ^ 0x5bd1e995u) < 0 ||
	    rl_init(&d->rl_ifaces, RL_IFACE_CAPACITY, d->cfg->ratelimit.iface,
		    d->cfg->ratelimit.iface_burst, seed ^ 0x27d4eb2fu) < 0)
		return -1;
	exchange_configure(&d->ex, d->cfg, &d->st);
	d->lw = link_watch_open(err, sizeof(err));
	if (!d->lw)
		goto fail;
	d->cap = capture_open_any(CAPTURE_BUFFER, config_has_ipv6(d->cfg), err, sizeof(err));
	if (!d->cap)
		goto fail;
	/* DHCPv6 only where IPv6 servers are configured: an IPv4-only site
	 * opens nothing more. */
	if (config_has_ipv6(d->cfg)) {
		if (exchange_init(&d->ex6, XID_CAPACITY, XID_TTL_MS, seed ^ 0x9e3779b9u) < 0) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		exchange_configure(&d->ex6, d->cfg, &d->st);
		d->udp6_fd = upstream6_open(err, sizeof(err));
		if (d->udp6_fd < 0)
			goto fail;
	}
	d->udp_fd = upstream_open(err, sizeof(err));
	if (d->udp_fd < 0)
		goto fail;
	if (d->cfg->hold_port_67) {
		d->hold_fd = upstream_hold_port(DHCP_SERVER_PORT, err, sizeof(err));
		if (d->hold_fd < 0)
			goto fail;
	}
	{
		int rb = 0;
		socklen_t rlen = sizeof(rb);

		(void)getsockopt(d->udp_fd, SOL_SOCKET, SO_RCVBUF, &rb, &rlen);
		log_info("servers: raw UDP socket, receive buffer %d bytes; UDP port 67 %s", rb,
			 d->cfg->hold_port_67 ? "held (hold-port-67)"
					      : "left to any DHCP server on this host");
	}
	d->urx = upstream_rx_new();
	d->utx = upstream_tx_new();
	if (!d->urx || !d->utx) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	d->inj = inject_open(err, sizeof(err));
	if (!d->inj)
		goto fail;
	if (d->trace_path) {
		d->trace = trace_open(d->trace_path, err, sizeof(err));
		if (!d->trace)
			goto fail;
		inject_set_observer(d->inj, trace_injected, d->trace);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->sig_fd < 0 || d->ep < 0 ||
	    ep_add(d->ep, capture_fd(d->cap), TAG_CAPTURE) < 0 ||
	    ep_add(d->ep, d->udp_fd, TAG_UPSTREAM) < 0 ||
	    (d->udp6_fd >= 0 && ep_add(d->ep, d->udp6_fd, TAG_UPSTREAM6) < 0) ||
	    ep_add(d->ep, link_watch_fd(d->lw), TAG_NETLINK) < 0 ||
	    ep_add(d->ep, d->sig_fd, TAG_SIGNAL) < 0) {
		snprintf(err, sizeof(err), "epoll/signalfd: %s", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < d->cfg->nifaces && !d->tftp; i++) {
		struct rlimit rl;

		if (!d->cfg->ifaces[i].tftp_proxy)
			continue;
		/* Each TFTP transfer, client or upstream, holds a socket:
		 * max-sessions confirmed, as many on probation and as many
		 * fetches may pass the usual soft limit of 1024. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		/* Port 69 is bound now, as root; transfer sockets use
		 * ephemeral ports and need no privilege later. */
		d->tftp = tftp_server_open(&d->cfg->tftp, seed ^ 0x27d4eb2f165667c5ULL, d->ep,
					   TAG_TFTP_LISTEN, TAG_TFTP_SOCK,
					   err, sizeof(err));
		if (!d->tftp)
			goto fail;
	}
	if (d->cfg->metrics[0]) {
		d->metrics = metrics_server_open(d->cfg->metrics, d->ep, TAG_METRICS_CONN,
						 err, sizeof(err));
		if (!d->metrics || ep_add(d->ep, metrics_server_fd(d->metrics), TAG_METRICS) < 0)
			goto fail;
	}
	if (links_rebuild(d) < 0)
		return -1;
	present = calloc(d->cfg->nifaces ? d->cfg->nifaces : 1, sizeof(*present));
	if (!present)
		return -1;
	for (size_t k = 0; k < d->links.n; k++)
		present[d->links.v[k].cfg_idx] = true;
	for (size_t i = 0; i < d->cfg->nifaces; i++)
		if (!present[i])
			log_warn("interface %s does not exist yet; it is served when it appears",
				 d->cfg->ifaces[i].name);
	free(present);
	if (drop_privileges(d->cfg->user, d->tftp ? d->cfg->tftp.cache_dir : NULL) < 0)
		return -1;
	if (enter_sandbox(d->cfg) < 0)
		return -1;
	if (d->cfg_path && access(d->cfg_path, R_OK) < 0)
		log_warn("%s is not readable by user %s: SIGHUP reload will fail "
			 "(make it readable, or set user = \"root\")", d->cfg_path, d->cfg->user);
	log_info("pxerelay started: %zu interfaces configured, %zu present, %zu servers",
		 d->cfg->nifaces, d->links.n, d->cfg->servers.n);
	return 0;
fail:
	log_error("%s", err);
	return -1;
}

void daemon_stop(struct daemon *d)
{
	/* What the last turn queued goes out while the trace is still open. */
	if (d->inj && d->utx && d->udp_fd >= 0)
		flush_sends(d);
	metrics_server_close(d->metrics);
	tftp_server_close(d->tftp);
	trace_close(d->trace);
	if (d->pid_fd >= 0) {
		/* As the unprivileged user the unlink may fail: the lock goes
		 * with the process, and a stale file is taken over next time. */
		if (unlink(d->pid_path) < 0 && errno != ENOENT)
			log_debug("pid file %s left behind: %s", d->pid_path, strerror(errno));
		close(d->pid_fd);
	}
	capture_close(d->cap);
	inject_close(d->inj);
	upstream_rx_free(d->urx);
	upstream_tx_free(d->utx);
	link_watch_close(d->lw);
	if (d->udp_fd >= 0)
		close(d->udp_fd);
	if (d->hold_fd >= 0)
		close(d->hold_fd);
	if (d->udp6_fd >= 0)
		close(d->udp6_fd);
	free(d->l6);
	free(d->joined);
	exchange_free(&d->ex6);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->ep >= 0)
		close(d->ep);
	relay_links_free(&d->links);
	stats_free(&d->st);
	exchange_free(&d->ex);
	rl_free(&d->rl_clients);
	rl_free(&d->rl_ifaces);
	config_free(d->cfg);
}

