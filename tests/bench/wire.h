/* wire.h - what the bench tools (loadgen.c, stubserver.c, floor.c) share,
 * each built from its one .c file by run.sh: big-endian reads and writes, and a
 * classic BPF program on a socket. */
#ifndef PXR_BENCH_WIRE_H
#define PXR_BENCH_WIRE_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/socket.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/* n instructions of code on fd (SO_ATTACH_FILTER); 0, or -1 and errno. */
static inline int attach_cbpf(int fd, struct sock_filter *code, unsigned short n)
{
	struct sock_fprog prog = { n, code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

#endif
