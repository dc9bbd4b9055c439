/* siphash.h - SipHash-2-4 (Aumasson and Bernstein), the keyed hash the
 * relay's tables use: with a key from getrandom() a client cannot choose
 * values that land in one bucket. Pure. */
#ifndef PXR_SIPHASH_H
#define PXR_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit SipHash-2-4 of len bytes under the 128-bit key (k0, k1). */
uint64_t siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif
