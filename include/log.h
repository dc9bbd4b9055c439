/* log.h - stderr or syslog, one level threshold. On stderr a line is
 * "HH:MM:SS.mmm level: text"; when stderr is systemd's journal stream
 * (JOURNAL_STREAM names it) it is "<N>text", N the syslog priority, and
 * journald adds the time. */
#ifndef PXR_LOG_H
#define PXR_LOG_H

#include "config.h"

#include <stdbool.h>
#include <stdint.h>

void log_open(bool to_stderr, enum log_level level);
void log_set_level(enum log_level level);
/* Write out what stderr holds, or with the writer thread running, hand it
 * what was queued (call before the loop waits). */
void log_flush(void);
/* From here on a thread writes the lines; the caller never blocks on the
 * log output, a line that finds the queue full is dropped and counted.
 * Start it after any fork. Returns 0 or -errno. */
int log_async_start(void);
/* Write out what is queued and end the thread. */
void log_async_stop(void);
/* Before the loop waits. With the thread running: hand queued lines over
 * once 32 KiB wait or the oldest is 100 ms old; returns the ms until it
 * wants to be called again (a bound on the wait), -1 when nothing waits.
 * Without the thread: log_flush(), -1. */
int log_tick(int64_t now_ms);
struct fmt;
/* One line built with fmt.h (the per-message lines), at level. */
void log_line(enum log_level level, const struct fmt *f);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whatever the level: for output an operator asked for (SIGUSR1). */
void log_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With ": strerror(errno)" appended. */
void log_errno(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  do { if (log_enabled(LOG_LVL_INFO)) log_msg(LOG_LVL_INFO, __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

/* At most one message per key per interval: for drops a hostile client can
 * cause at line rate. Returns true when this one may be logged. */
struct log_ratelimit {
	int64_t window_start_ms;
	unsigned suppressed;
};
bool log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms, unsigned *suppressed);

#endif
