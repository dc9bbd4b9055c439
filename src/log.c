/* log.c - stderr (foreground) or syslog. */
#define _GNU_SOURCE
#include "log.h"

#include "fmt.h"

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

/* "HH:MM:SS" of the current second, remade only when the second changes:
 * localtime_r and strftime for every line cost more than the line. */
static const char *stamp_now(long *ms)
{
	static time_t cached = (time_t)-1;
	static char stamp[16];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached) {
		struct tm tm;

		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		cached = ts.tv_sec;
	}
	*ms = ts.tv_nsec / 1000000;
	return stamp;
}

static void write_line(enum log_level level, const char *msg, size_t len, const char *suffix)
{
	if (log_stderr) {
		/* One line, one fwrite: "HH:MM:SS.mmm level: msg suffix\n". */
		char line[1400];
		long ms;
		const char *stamp = stamp_now(&ms);
		size_t tag = strlen(level_tag[level]), sl = strlen(suffix), n = 0;

		if (len > sizeof(line) - 32 - sl)
			len = sizeof(line) - 32 - sl;
		memcpy(line, stamp, 8);
		line[8] = '.';
		line[9] = (char)('0' + ms / 100 % 10);
		line[10] = (char)('0' + ms / 10 % 10);
		line[11] = (char)('0' + ms % 10);
		line[12] = ' ';
		n = 13;
		memcpy(line + n, level_tag[level], tag);
		n += tag;
		line[n++] = ':';
		line[n++] = ' ';
		memcpy(line + n, msg, len);
		n += len;
		memcpy(line + n, suffix, sl);
		n += sl;
		line[n++] = '\n';
		fwrite_unlocked(line, 1, n, stderr);
	} else {
		syslog(syslog_prio[level], "%.*s%s", (int)len, msg, suffix);
	}
}

__attribute__((format(printf, 3, 0)))
static void log_v(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		n = 0;
	write_line(level, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1, suffix);
}

void log_line(enum log_level level, const struct fmt *f)
{
	if (log_enabled(level))
		write_line(level, f->s, f->n, "");
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
