/* sd_compat.h - see src/sd_compat.c. Same prototypes as libsystemd's. */
#ifndef PXR_SD_COMPAT_H
#define PXR_SD_COMPAT_H

int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

#endif
