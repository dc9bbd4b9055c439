/* wire.h - big-endian writes shared by the bench tools (loadgen.c,
 * stubserver.c), each built from its one .c file by run.sh. */
#ifndef PXR_BENCH_WIRE_H
#define PXR_BENCH_WIRE_H

#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
