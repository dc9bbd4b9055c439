/* sandbox.c - see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What the loop and the log thread call once the sockets are open and the
 * privileges dropped: packet, UDP, netlink and TCP (metrics) I/O, new UDP
 * sockets for TFTP transfers, the cache directory's files, the
 * configuration file on SIGHUP, memory, time, signals, and the exit. */
static const char *const allowed[] = {
	/* descriptors and files */
	"read", "readv", "write", "writev", "pread64", "pwrite64", "close", "openat", "open",
	"fstat", "newfstatat", "stat", "lstat", "statx", "lseek", "fcntl", "ioctl", "dup",
	"dup3", "fsync", "fdatasync", "ftruncate", "rename", "renameat", "renameat2", "unlink",
	"unlinkat", "mkdir", "mkdirat", "getdents64", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat", "umask",
	/* sockets */
	"socket", "bind", "connect", "listen", "accept", "accept4", "getsockname",
	"getpeername", "setsockopt", "getsockopt", "sendto", "sendmsg", "sendmmsg",
	"recvfrom", "recvmsg", "recvmmsg", "shutdown",
	/* waiting */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll", "select",
	"pselect6", "futex", "nanosleep", "clock_nanosleep", "sched_yield", "restart_syscall",
	/* time, identity, randomness */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getpid", "gettid", "getuid",
	"geteuid", "getgid", "getegid", "getppid", "uname", "getrandom", "getrusage",
	"sysinfo",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* signals and the end */
	"rt_sigprocmask", "rt_sigreturn", "rt_sigaction", "sigaltstack", "tgkill", "exit",
	"exit_group",
};

size_t sandbox_allowed(const char *const **names)
{
	*names = allowed;
	return sizeof(allowed) / sizeof(allowed[0]);
}

/* Async-signal-safe: write(2) and _exit(2) only. */
static void put_num(char *buf, size_t *n, unsigned long v)
{
	char d[24];
	size_t k = 0;

	do {
		d[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		buf[(*n)++] = d[--k];
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char a[] = "pxerelay: seccomp: system call ";
	static const char b[] = " is not in the allow-list (pxerelay --syscalls; "
				"scmp_sys_resolver names it): exiting\n";
	char buf[256];
	size_t n = 0;

	(void)sig;
	(void)uc;
	memcpy(buf, a, sizeof(a) - 1);
	n = sizeof(a) - 1;
	put_num(buf, &n, (unsigned long)si->si_syscall);
	memcpy(buf + n, b, sizeof(b) - 1);
	n += sizeof(b) - 1;
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nothing else to tell */
	}
	_exit(SANDBOX_EXIT_STATUS);
}

int sandbox_enter(char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int r = -EINVAL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "seccomp: sigaction: %s", strerror(errno));
		return -errno;
	}
	/* A call not listed traps: SIGSYS, a log line, exit. */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot make a filter");
		return -ENOMEM;
	}
	/* Every thread (the log writer runs already), not only this one. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		/* A call this architecture does not have (open, stat on
		 * arm64) is simply not there to allow. */
		if (nr >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		snprintf(err, errlen, "seccomp: %s", strerror(-r));
	return r;
}
