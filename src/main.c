/* main.c - the command line and the one epoll loop. Everything that
 * decides lives in relay.c and exchange.c; dataplane.c moves the bytes;
 * daemon.c starts and stops the relay. */
#include "daemon.h"
#include "replay.h"
#include "sandbox.h"

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
static int daemon_loop(struct daemon *d)
{
	struct epoll_event ev[8];

	while (!d->quit) {
		int64_t now = now_ms();
		int timeout = d->metrics ? metrics_server_expire(d->metrics, now) : -1;
		int n;

		if (d->tftp) {
			int t = tftp_server_tick(d->tftp, now);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		/* A failed netlink resync is tried again within a second. */
		if (link_watch_resync_pending(d->lw) && (timeout < 0 || timeout > 1000))
			timeout = 1000;
		{
			int t = log_tick(now);

			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		n = epoll_wait(d->ep, ev, 8, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_errno(LOG_LVL_ERROR, "epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = (uint32_t)(ev[i].data.u64 >> 32);

			switch (tag) {
			case TAG_CAPTURE:
				if (capture_dispatch(d->cap, BATCH, on_request, d) < 0)
					log_warn("capture: read error");
				break;
			case TAG_UPSTREAM:
				drain_upstream(d);
				break;
			case TAG_UPSTREAM6:
				drain_upstream6(d);
				break;
			case TAG_NETLINK:
				flush_sends(d);
				if (link_watch_process(d->lw) > 0)
					links_rebuild(d);
				break;
			case TAG_SIGNAL:
				flush_sends(d);
				on_signal(d);
				break;
			case TAG_METRICS:
				metrics_server_accept(d->metrics, now_ms());
				break;
			case TAG_TFTP_LISTEN:
				tftp_server_on_listen(d->tftp, &d->links, now_ms());
				break;
			case TAG_TFTP_SOCK:
				tftp_server_on_sock(d->tftp, (int)(ev[i].data.u64 & 0xffffffffu), now_ms());
				break;
			case TAG_METRICS_CONN:
				metrics_server_event(d->metrics, (unsigned)(ev[i].data.u64 & 0xffffffffu),
						     ev[i].events, render_metrics, d);
				break;
			}
		}
		flush_sends(d);
		if (link_watch_resync_pending(d->lw) && now_ms() >= d->resync_at_ms) {
			d->resync_at_ms = now_ms() + 1000;
			if (link_watch_process(d->lw) > 0)
				links_rebuild(d);
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pxerelay [-c FILE] [-f] [-d] [-t] [-p PIDFILE] [-w TRACE.pcap] [-V]\n"
		"                [-i IFACE]... [-u IFACE] [SERVER...]\n"
		"  -c FILE   config file (default " DEFAULT_CONFIG ", only if no -i given)\n"
		"  -f        stay in the foreground, log to stderr\n"
		"  -d        debug logging (implies -f)\n"
		"  -t        check the config, print it normalised, exit 0 if valid\n"
		"  -p FILE   pid file, held locked while running (a second instance refuses)\n"
		"  -w FILE   write every packet received and sent to FILE (pcap)\n"
		"  -i IFACE  downstream (client) interface; repeatable\n"
		"  -u IFACE  upstream interface toward the servers\n"
		"  -V        print the version and exit (also --version)\n"
		"  --syscalls  print the system calls the seccomp filter allows\n"
		"  SERVER    DHCP server addresses (IPv4 and IPv6)\n"
		"       pxerelay --replay FILE.pcap [-c FILE] [-i IFACE] [-w OUT.pcap]\n"
		"  offline: classify each request of a capture, apply the boot rules to\n"
		"  each reply, print what would change (IFACE: ingress name to assume;\n"
		"  OUT.pcap: each message that would go to a client, byte for byte)\n");
}

static int go_background(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;   /* large scratch buffers: not on the stack */
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "syscalls", no_argument, NULL, 'S' },
		{ "replay", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *upstream = NULL, *replay = NULL;
	char **ifaces = calloc((size_t)argc + 1, sizeof(char *));
	size_t nifaces = 0;
	bool foreground = false, debug = false, check = false;
	char err[512];
	int c, rc;

	if (!ifaces)
		return 1;
	while ((c = getopt_long(argc, argv, "c:fdti:u:p:w:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'f': foreground = true; break;
		case 'd': debug = foreground = true; break;
		case 't': check = true; break;
		case 'i': ifaces[nifaces++] = optarg; break;
		case 'u': upstream = optarg; break;
		case 'p': d.pid_path = optarg; break;
		case 'w': d.trace_path = optarg; break;
		case 'R': replay = optarg; break;
		case 'h': usage(stdout); free(ifaces); return 0;
		case 'V': printf("pxerelay %s\n", PXR_VERSION); free(ifaces); return 0;
		case 'S': {
			const char *const *names;
			size_t n = sandbox_allowed(&names);

			for (size_t i = 0; i < n; i++)
				printf("%s\n", names[i]);
			free(ifaces);
			return 0;
		}
		default: usage(stderr); free(ifaces); return 2;
		}
	}
	if (replay) {
		const char *path = cfg_path ? cfg_path : DEFAULT_CONFIG;

		if (nifaces > 1 || optind < argc) {
			fprintf(stderr, "pxerelay: --replay takes FILE, -c, -w and at most one -i\n");
			free(ifaces);
			return 2;
		}
		d.cfg = config_load(path, err, sizeof(err));
		if (!d.cfg) {
			fprintf(stderr, "pxerelay: %s\n", err);
			free(ifaces);
			return 1;
		}
		rc = replay_run(replay, d.cfg, nifaces ? ifaces[0] : "", d.trace_path, stdout) < 0 ?
			1 : 0;
		config_free(d.cfg);
		free(ifaces);
		return rc;
	}
	if (cfg_path && nifaces) {
		fprintf(stderr, "pxerelay: use either -c FILE or -i IFACE, not both\n");
		free(ifaces);
		return 2;
	}
	if (nifaces) {
		d.cfg = config_from_args(ifaces, nifaces, upstream, argv + optind,
					 (size_t)(argc - optind), err, sizeof(err));
	} else {
		if (optind < argc || upstream) {
			fprintf(stderr, "pxerelay: servers and -u go with -i; "
				"with a config file, put them in it\n");
			free(ifaces);
			return 2;
		}
		d.cfg_path = cfg_path ? cfg_path : DEFAULT_CONFIG;
		d.cfg = config_load(d.cfg_path, err, sizeof(err));
	}
	free(ifaces);
	if (!d.cfg) {
		fprintf(stderr, "pxerelay: %s\n", err);
		return 1;
	}
	if (check) {
		config_print(d.cfg, stdout);
		config_free(d.cfg);
		return 0;
	}
	d.debug = debug;
	if (debug)
		d.cfg->log_level = LOG_LVL_DEBUG;
	log_open(foreground, d.cfg->log_level);
	if (!foreground && go_background() < 0) {
		log_errno(LOG_LVL_ERROR, "going to the background");
		return 1;
	}
	/* From here no log output can hold up the relay. */
	if ((rc = log_async_start()) < 0) {
		errno = -rc;
		log_errno(LOG_LVL_WARN, "log writer thread; writing the log in line");
	}
	rc = daemon_start(&d) < 0 ? 1 : daemon_loop(&d) < 0 ? 1 : 0;
	daemon_stop(&d);
	log_async_stop();
	log_flush();
	return rc;
}
