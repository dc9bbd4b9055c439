/* log.c - stderr (foreground) or syslog. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static bool log_stderr = true;
static enum log_level log_level = LOG_LVL_INFO;

static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const level_tag[] = { "error", "warn", "info", "debug" };

void log_open(bool to_stderr, enum log_level level)
{
	static char buf[1 << 16];

	log_stderr = to_stderr;
	log_level = level;
	/* One write per loop turn, not one per line: at tens of thousands
	 * of messages a second, unbuffered stderr is most of the cost. The
	 * loop calls log_flush() before it waits. */
	if (to_stderr)
		setvbuf(stderr, buf, _IOFBF, sizeof(buf));
	if (!to_stderr)
		openlog("pxerelay", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

__attribute__((format(printf, 3, 0)))
static void log_v(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s%s\n", stamp, ts.tv_nsec / 1000000,
			level_tag[level], msg, suffix);
	} else {
		syslog(syslog_prio[level], "%s%s", msg, suffix);
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_v(level, "", fmt, ap);
	va_end(ap);
}

void log_errno(enum log_level level, const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	if (!log_enabled(level))
		return;
	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	log_v(level, suffix, fmt, ap);
	va_end(ap);
}

bool log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms, unsigned *suppressed)
{
	if (now_ms - rl->window_start_ms >= 10000) {
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
		rl->window_start_ms = now_ms;
		return true;
	}
	rl->suppressed++;
	return false;
}

void log_always(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(LOG_LVL_INFO, "", fmt, ap);
	va_end(ap);
}

void log_flush(void)
{
	if (log_stderr)
		fflush(stderr);
}
