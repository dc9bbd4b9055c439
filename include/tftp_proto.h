/* tftp_proto.h - TFTP codec (RFC 1350) with option extension (RFC 2347):
 * blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize (RFC 7440).
 * Pure: bytes in, struct out, and back. */
#ifndef PXR_TFTP_PROTO_H
#define PXR_TFTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tftp_op {
	TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_ERROR = 5, TFTP_OACK = 6,
};

enum tftp_err {
	TFTP_ENOTDEFINED = 0, TFTP_ENOTFOUND = 1, TFTP_EACCESS = 2, TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4, TFTP_EBADID = 5, TFTP_EEXISTS = 6, TFTP_ENOUSER = 7, TFTP_EOPTNEG = 8,
};

#define TFTP_PATH_MAX 256
#define TFTP_BLKSIZE_MIN 8
#define TFTP_BLKSIZE_MAX 65464
#define TFTP_DEFAULT_BLKSIZE 512

/* Options as asked or granted; a field is meaningful when its has_ flag is. */
struct tftp_opts {
	bool has_blksize, has_tsize, has_timeout, has_windowsize;
	uint32_t blksize;      /* 8..65464 */
	uint64_t tsize;
	uint32_t timeout;      /* 1..255 seconds */
	uint32_t windowsize;   /* 1..65535 */
};

struct tftp_pkt {
	enum tftp_op op;
	/* RRQ/WRQ */
	char path[TFTP_PATH_MAX];
	char mode[16];           /* lower-cased: "octet", "netascii" */
	/* RRQ/WRQ/OACK: options we recognise; unknown ones are ignored
	 * (RFC 2347: the server omits what it does not support) */
	struct tftp_opts opts;
	bool bad_option;         /* a known option with a value out of range */
	/* DATA/ACK */
	uint16_t block;
	const uint8_t *data;     /* DATA payload, points into the input */
	size_t data_len;
	/* ERROR */
	uint16_t error_code;
	char error_msg[128];
};

/* Returns 0 or -EBADMSG (truncated, missing NUL, unknown opcode); for a
 * RRQ/WRQ also -ENOENT (empty file name), -ENAMETOOLONG (file name of
 * TFTP_PATH_MAX bytes or more), -EINVAL (empty mode, or 16 bytes or more). */
int tftp_parse(const uint8_t *buf, size_t len, struct tftp_pkt *p);

/* Builders return the length written or -EMSGSIZE. */
int tftp_build_rrq(uint8_t *out, size_t cap, const char *path, const struct tftp_opts *o);
int tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_opts *o);
int tftp_build_ack(uint8_t *out, size_t cap, uint16_t block);
int tftp_build_data_hdr(uint8_t *out, size_t cap, uint16_t block);
int tftp_build_error(uint8_t *out, size_t cap, uint16_t code, const char *msg);

/* Normalise a requested path: backslashes become '/', duplicate and
 * leading slashes and "." segments go. Returns 0, or -EACCES when a
 * control byte appears or a segment some server could take for more than
 * a name: made only of dots and spaces, starting with "..", ending in a
 * dot or a space, an NTFS stream ("::" or ":$"), or a drive letter first;
 * -ENAMETOOLONG if it does not fit. */
int tftp_normalise_path(const char *in, char *out, size_t cap);

#endif
