/* sandbox.h - a seccomp filter (libseccomp) pxerelay puts on itself once
 * its sockets are open and its privileges dropped: only the system calls
 * the loop and its log thread make stay allowed, for every thread. Any
 * other call raises SIGSYS; the handler writes one line to standard error
 * naming the call's number and exits with SANDBOX_EXIT_STATUS. */
#ifndef PXR_SANDBOX_H
#define PXR_SANDBOX_H

#include <stddef.h>

#define SANDBOX_EXIT_STATUS 159   /* 128 + SIGSYS, as a shell reports a kill by it */

/* Returns 0, or a negative errno with err filled. */
int sandbox_enter(char *err, size_t errlen);
/* The names of the allowed calls (pxerelay --syscalls prints them). */
size_t sandbox_allowed(const char *const **names);

#endif
