/* log.c - stderr (foreground) or syslog. Under systemd, stderr is the
 * journal: lines then carry a <N> priority prefix, which journald reads
 * as the line's syslog priority, and no timestamp (journald stamps each
 * line itself). */
#define _GNU_SOURCE
#include "log.h"

#include "fmt.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static bool log_stderr = true;
static bool log_journal;          /* stderr is systemd's journal stream */
static enum log_level log_level = LOG_LVL_INFO;

static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const level_tag[] = { "error", "warn", "info", "debug" };

/* Once log_async_start() ran, lines go into a ring that a writer thread
 * empties, so a log output that stalls (a pipe to a busy journald, a file
 * under writeback throttling) never stalls the relay: with the ring full a
 * line is dropped and counted, and the writer says how many when it next
 * gets through. A record is [level][length, 2 bytes][text]. */
#define RING_BYTES (256u << 10)
#define REC_HDR 3u

static struct {
	bool on;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	uint64_t head, tail;            /* bytes written and taken, ever */
	uint64_t dropped;               /* lines not queued since the last report */
	bool kicked, stop;
	bool must;                      /* log_always: wait for room, never drop */
	int64_t first_ms;               /* when the oldest line not handed over came */
	unsigned char ring[RING_BYTES];
} aq = { .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
	 .idle = PTHREAD_COND_INITIALIZER };

/* systemd.exec(5): JOURNAL_STREAM holds the device and inode of the
 * stream connected to the journal, "so that the service can verify
 * whether its output is connected to the journal" (stderr may have been
 * redirected since). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!js || sscanf(js, "%llu:%llu%n", &dev, &ino, &end) != 2 || js[end] ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(bool to_stderr, enum log_level level)
{
	static char buf[1 << 16];

	log_stderr = to_stderr;
	log_journal = to_stderr && stderr_is_journal();
	log_level = level;
	/* Until the writer thread runs, one write per loop turn, not one
	 * per line: at tens of thousands of messages a second, unbuffered
	 * stderr is most of the cost. The loop calls log_tick() before it
	 * waits, which flushes when there is no thread. */
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

static void ring_put(size_t at, const void *p, size_t n)
{
	size_t i = at % RING_BYTES, first = n < RING_BYTES - i ? n : RING_BYTES - i;

	memcpy(aq.ring + i, p, first);
	memcpy(aq.ring, (const unsigned char *)p + first, n - first);
}

static void ring_get(size_t at, void *p, size_t n)
{
	size_t i = at % RING_BYTES, first = n < RING_BYTES - i ? n : RING_BYTES - i;

	memcpy(p, aq.ring + i, first);
	memcpy((unsigned char *)p + first, aq.ring, n - first);
}

/* Queue one line. With the ring full it is dropped and counted, but for
 * log_always (output an operator asked for) the caller waits for room. */
static void enqueue(enum log_level level, const char *text, size_t len)
{
	unsigned char hdr[REC_HDR] = { (unsigned char)level, (unsigned char)(len >> 8),
				       (unsigned char)len };
	bool wake = false;

	pthread_mutex_lock(&aq.mu);
	if (aq.must && RING_BYTES - (aq.head - aq.tail) < REC_HDR + len) {
		/* A second at most: an output nobody reads must not stop the
		 * relay. */
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec++;
		while (RING_BYTES - (aq.head - aq.tail) < REC_HDR + len) {
			aq.kicked = true;
			pthread_cond_signal(&aq.work);
			if (pthread_cond_timedwait(&aq.idle, &aq.mu, &until) == ETIMEDOUT)
				break;
		}
	}
	if (RING_BYTES - (aq.head - aq.tail) < REC_HDR + len) {
		aq.dropped++;
	} else {
		if (aq.head == aq.tail)
			aq.first_ms = -1;          /* stamped by the next log_tick */
		ring_put((size_t)(aq.head % RING_BYTES), hdr, REC_HDR);
		ring_put((size_t)((aq.head + REC_HDR) % RING_BYTES), text, len);
		aq.head += REC_HDR + len;
		/* Half full within one loop turn: do not wait for the turn's end. */
		wake = aq.head - aq.tail > RING_BYTES / 2 && !aq.kicked;
		aq.kicked |= wake;
	}
	pthread_mutex_unlock(&aq.mu);
	if (wake)
		pthread_cond_signal(&aq.work);
}

/* All of buf to fd 2, whatever stderr's O_NONBLOCK says. */
static void write_all(const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(2, buf, n);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = 2, .events = POLLOUT };

			(void)poll(&pfd, 1, 1000);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;            /* stderr gone: nothing to tell it */
		buf += w;
		n -= (size_t)w;
	}
}

static void *writer(void *arg)
{
	static char out[64 << 10];

	(void)arg;
	pthread_mutex_lock(&aq.mu);
	for (;;) {
		uint64_t tail = aq.tail, head, dropped;
		size_t n = 0;

		while (!aq.stop && aq.head == aq.tail && !aq.dropped && !aq.kicked)
			pthread_cond_wait(&aq.work, &aq.mu);
		if (aq.stop && aq.head == aq.tail && !aq.dropped)
			break;
		aq.kicked = false;
		head = aq.head;
		dropped = aq.dropped;
		aq.dropped = 0;
		pthread_mutex_unlock(&aq.mu);
		/* [tail, head) is ours until tail moves: the relay only
		 * writes into the free part. */
		while (tail < head) {
			unsigned char hdr[REC_HDR];
			char line[1400];
			size_t len;

			ring_get((size_t)(tail % RING_BYTES), hdr, REC_HDR);
			len = (size_t)hdr[1] << 8 | hdr[2];
			ring_get((size_t)((tail + REC_HDR) % RING_BYTES), line, len);
			tail += REC_HDR + len;
			if (!log_stderr) {
				syslog(syslog_prio[hdr[0] & 3], "%.*s", (int)len, line);
				continue;
			}
			if (n + len > sizeof(out)) {
				write_all(out, n);
				n = 0;
			}
			memcpy(out + n, line, len);
			n += len;
		}
		if (n)
			write_all(out, n);
		if (dropped) {
			char msg[96];
			int m = snprintf(msg, sizeof(msg),
					 "%spxerelay: %llu log lines dropped: the log output did not keep up\n",
					 log_journal ? "<4>" : "", (unsigned long long)dropped);

			if (!log_stderr)
				syslog(LOG_WARNING, "%.*s", m - 1, msg);
			else
				write_all(msg, (size_t)m);
		}
		pthread_mutex_lock(&aq.mu);
		aq.tail = tail;
		pthread_cond_broadcast(&aq.idle);
	}
	pthread_mutex_unlock(&aq.mu);
	return NULL;
}

int log_async_start(void)
{
	sigset_t all, old;
	int r;

	if (aq.on)
		return 0;
	if (log_stderr)
		fflush(stderr);
	/* The writer takes no signal: they are the relay's (signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&aq.thread, NULL, writer, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	aq.on = true;
	return 0;
}

void log_async_stop(void)
{
	struct timespec until;
	bool drained = true;

	if (!aq.on)
		return;
	/* Two seconds for the writer to get the rest out: a log output that
	 * nobody reads must not keep the relay from exiting. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&aq.mu);
	aq.stop = true;
	aq.kicked = true;
	pthread_cond_signal(&aq.work);
	while (aq.head != aq.tail || aq.dropped)
		if (pthread_cond_timedwait(&aq.idle, &aq.mu, &until) == ETIMEDOUT) {
			drained = false;
			break;
		}
	pthread_mutex_unlock(&aq.mu);
	if (drained)
		pthread_join(aq.thread, NULL);
	else
		pthread_detach(aq.thread);   /* stuck in write(); exit ends it */
	aq.on = false;
}

static void write_line(enum log_level level, const char *msg, size_t len, const char *suffix)
{
	if (aq.on && !log_stderr) {
		char line[1100];
		size_t sl = strlen(suffix);

		if (len > sizeof(line) - sl)
			len = sizeof(line) - sl;
		memcpy(line, msg, len);
		memcpy(line + len, suffix, sl);
		enqueue(level, line, len + sl);
		return;
	}
	if (log_stderr) {
		/* One line, one fwrite: "HH:MM:SS.mmm level: msg suffix\n",
		 * or "<N>msg suffix\n" into the journal. */
		char line[1400];
		size_t tag = strlen(level_tag[level]), sl = strlen(suffix), n = 0;

		if (len > sizeof(line) - 32 - sl)
			len = sizeof(line) - 32 - sl;
		if (log_journal) {
			line[n++] = '<';
			line[n++] = (char)('0' + syslog_prio[level]);
			line[n++] = '>';
		} else {
			long ms;
			const char *stamp = stamp_now(&ms);

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
		}
		memcpy(line + n, msg, len);
		n += len;
		memcpy(line + n, suffix, sl);
		n += sl;
		line[n++] = '\n';
		if (aq.on)
			enqueue(level, line, n);
		else
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
	aq.must = true;
	log_v(LOG_LVL_INFO, "", fmt, ap);
	aq.must = false;
	va_end(ap);
}

/* Handing lines over wakes a thread: at a few messages per loop turn that
 * would cost more than the lines. So they go when 32 KiB are waiting, or
 * LOG_DELAY_MS after the first of them, whichever is sooner. */
#define LOG_BATCH_BYTES (32u << 10)
#define LOG_DELAY_MS 100

int log_tick(int64_t now_ms)
{
	int wait = -1;

	if (!aq.on) {
		log_flush();
		return -1;
	}
	pthread_mutex_lock(&aq.mu);
	if (aq.head != aq.tail && !aq.kicked) {
		if (aq.first_ms < 0)
			aq.first_ms = now_ms;
		if (aq.head - aq.tail >= LOG_BATCH_BYTES || now_ms - aq.first_ms >= LOG_DELAY_MS) {
			aq.kicked = true;
			pthread_cond_signal(&aq.work);
		} else {
			wait = (int)(aq.first_ms + LOG_DELAY_MS - now_ms);
		}
	}
	pthread_mutex_unlock(&aq.mu);
	return wait;
}

void log_flush(void)
{
	if (aq.on) {
		pthread_mutex_lock(&aq.mu);
		if (aq.head != aq.tail && !aq.kicked) {
			aq.kicked = true;
			pthread_cond_signal(&aq.work);
		}
		pthread_mutex_unlock(&aq.mu);
		return;
	}
	if (log_stderr)
		fflush(stderr);
}
