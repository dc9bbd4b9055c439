/* capture.h - BOOTREQUESTs from every downstream link through one libpcap
 * handle on the "any" device (DLT_LINUX_SLL2 carries the ifindex and the
 * source MAC), so links come and go without opening anything. */
#ifndef PXR_CAPTURE_H
#define PXR_CAPTURE_H

#include "frame.h"

#include <stdbool.h>
#include <stddef.h>

#define CAPTURE_SNAPLEN 1900

struct capture;

typedef void (*capture_cb)(void *user, const struct frame_info *fi, int parse_error);

/* dhcp6: DHCPv6 messages to UDP 547 too. */
struct capture *capture_open_any(int buffer_bytes, bool dhcp6, char *err, size_t errlen);
int capture_fd(const struct capture *c);
/* Handle up to max frames already queued. Returns how many, or -1. */
int capture_dispatch(struct capture *c, int max, capture_cb cb, void *user);
/* Frames the kernel dropped because we were too slow. */
unsigned capture_kernel_drops(struct capture *c);
void capture_close(struct capture *c);

#endif
