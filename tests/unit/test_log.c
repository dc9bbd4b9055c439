/* test_log.c - log lines on stderr, on a terminal or a file and in the
 * journal (systemd.exec(5): JOURNAL_STREAM names the device and inode of
 * the stream connected to the journal). Each case runs in a child process
 * whose stderr is a temporary file, since log_open() sets stderr's buffer
 * once per process. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum js { JS_UNSET, JS_THIS_STREAM, JS_OTHER_STREAM, JS_GARBAGE };

/* What a process logging four lines at debug level writes to its stderr. */
static char *lines_logged(enum js js)
{
	char path[] = "/tmp/pxerelay-test-log-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;
	static char out[4096];
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct stat st;
		char v[64];

		if (dup2(fd, STDERR_FILENO) < 0 || fstat(STDERR_FILENO, &st) < 0)
			_exit(2);
		unsetenv("JOURNAL_STREAM");
		if (js == JS_THIS_STREAM || js == JS_OTHER_STREAM) {
			snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
				 (unsigned long long)st.st_ino + (js == JS_OTHER_STREAM));
			setenv("JOURNAL_STREAM", v, 1);
		} else if (js == JS_GARBAGE) {
			setenv("JOURNAL_STREAM", "journal", 1);
		}
		log_open(true, LOG_LVL_DEBUG);
		log_msg(LOG_LVL_ERROR, "an error %d", 1);
		log_msg(LOG_LVL_WARN, "a warning");
		log_msg(LOG_LVL_INFO, "news");
		log_msg(LOG_LVL_DEBUG, "details");
		log_flush();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(path);
	return out;
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("'%s' does not match /%s/", text, pattern);
	regfree(&re);
}

static const char *const plain =
	"^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} error: an error 1\n"
	"[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} warn: a warning\n"
	"[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} info: news\n"
	"[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} debug: details\n$";

/* journald reads "<N>" at the start of a line as its syslog priority and
 * stamps each line itself. */
static void test_journal_stream_lines_carry_priority_prefix_and_no_timestamp(void **state)
{
	(void)state;
	assert_string_equal(lines_logged(JS_THIS_STREAM),
			    "<3>an error 1\n<4>a warning\n<6>news\n<7>details\n");
}

static void test_stderr_elsewhere_keeps_timestamp_and_level_word(void **state)
{
	(void)state;
	assert_matches(lines_logged(JS_UNSET), plain);
}

/* JOURNAL_STREAM inherited, but stderr redirected since: not the journal. */
static void test_journal_stream_naming_another_stream_is_ignored(void **state)
{
	(void)state;
	assert_matches(lines_logged(JS_OTHER_STREAM), plain);
	assert_matches(lines_logged(JS_GARBAGE), plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_stream_lines_carry_priority_prefix_and_no_timestamp),
		cmocka_unit_test(test_stderr_elsewhere_keeps_timestamp_and_level_word),
		cmocka_unit_test(test_journal_stream_naming_another_stream_is_ignored),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
