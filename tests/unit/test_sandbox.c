/* test_sandbox.c - the seccomp filter (sandbox.c), each case in a child
 * process, since a filter stays for the life of the process. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs fn in a child under the filter, its stderr into out; returns the
 * child's exit status (or 1000 + the signal that ended it). */
static int in_sandbox(void (*fn)(void), char *out, size_t outlen)
{
	char path[] = "/tmp/pxerelay-test-sandbox-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;
	ssize_t n;

	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];

		if (dup2(fd, STDERR_FILENO) < 0 || sandbox_enter(err, sizeof(err)) < 0) {
			dprintf(fd, "enter: %s\n", err);
			_exit(2);
		}
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

/* What the loop does: time, a UDP socket bound and closed, a file. */
static void allowed_calls(void)
{
	struct timespec ts;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int f = open("/dev/null", O_RDONLY);
	char b[8];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0 || s < 0 || f < 0 || read(f, b, sizeof(b)) < 0)
		_exit(3);
	close(s);
	close(f);
	if (getpid() <= 0)
		_exit(4);
}

static void test_calls_the_loop_makes_are_allowed(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(in_sandbox(allowed_calls, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void ptrace_call(void)
{
	syscall(SYS_ptrace, 0, 0, 0, 0);
}

static void fork_call(void)
{
	if (fork() == 0)
		_exit(0);
}

/* Any other call: one line naming it, exit status 159. */
static void test_a_call_outside_the_list_ends_the_process_with_a_line(void **state)
{
	char out[512], want[128];

	(void)state;
	assert_int_equal(in_sandbox(ptrace_call, out, sizeof(out)), SANDBOX_EXIT_STATUS);
	snprintf(want, sizeof(want), "pxerelay: seccomp: system call %d is not in the allow-list",
		 (int)SYS_ptrace);
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", out, want);
	assert_int_equal(in_sandbox(fork_call, out, sizeof(out)), SANDBOX_EXIT_STATUS);
}

/* Every name in the list is a system call libseccomp knows (a typo would
 * silently allow nothing). */
static void test_every_allowed_name_is_a_system_call(void **state)
{
	const char *const *names;
	size_t n = sandbox_allowed(&names);

	(void)state;
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++)
		if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, names[i]) == __NR_SCMP_ERROR &&
		    seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, names[i]) == __NR_SCMP_ERROR)
			fail_msg("'%s' is not a system call", names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_the_loop_makes_are_allowed),
		cmocka_unit_test(test_a_call_outside_the_list_ends_the_process_with_a_line),
		cmocka_unit_test(test_every_allowed_name_is_a_system_call),
	};

	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
