/* replay.h - pxerelay --replay: classification and rewrite over a capture,
 * offline, printing per DHCP packet the class, the rule and every field
 * the relay would change. Touches no network. */
#ifndef PXR_REPLAY_H
#define PXR_REPLAY_H

#include "config.h"

#include <stdio.h>

/* ifname: ingress interface name to assume for requests ("" if unknown;
 * rules with an interface key then match only when it is given).
 * trace_path (NULL: none): a pcap file (Linux cooked v2) that gets each
 * message the daemon would send to a client, as an outgoing UDP datagram
 * 67 -> 68, byte for byte: the same record the daemon's own -w trace
 * keeps of a frame it sent, so the two compare.
 * Returns 0, or -1 with a message on stderr when a file cannot be used. */
int replay_run(const char *path, const struct config *cfg, const char *ifname,
	       const char *trace_path, FILE *out);

#endif
