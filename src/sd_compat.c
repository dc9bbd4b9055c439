/* sd_compat.c - linked only with the static libraries (STATIC_LIBS=1).
 *
 * libpcap.a carries its D-Bus capture module, so libdbus-1.a comes along,
 * and libdbus refers to two libsystemd calls used only when a D-Bus
 * *server* is started by systemd socket activation. pxerelay never opens a
 * D-Bus capture, let alone a D-Bus server, and Debian ships no static
 * libsystemd; linking the shared one would load it and its six libraries
 * again, undoing the point of the static link.
 *
 * So these two answer what libsystemd answers for a process that was not
 * socket-activated, which pxerelay never is: no descriptors were passed,
 * and no descriptor is a passed socket. */
#include "sd_compat.h"

int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd;
	(void)family;
	(void)type;
	(void)listening;
	return 0;
}
