/* replay.h - pxerelay --replay: classification and rewrite over a capture,
 * offline, printing per DHCP packet the class, the rule and every field
 * the relay would change. Touches no network. */
#ifndef PXR_REPLAY_H
#define PXR_REPLAY_H

#include "config.h"

#include <stdio.h>

/* ifname: ingress interface name to assume for requests ("" if unknown;
 * rules with an interface key then match only when it is given).
 * Returns 0, or -1 with a message on stderr when the file cannot be read. */
int replay_run(const char *path, const struct config *cfg, const char *ifname, FILE *out);

#endif
