/*
 * sockopt: the few socket options BGP needs that Node has no API for (Linux only).
 *   TCP MD5 signatures (RFC 2385): TCP_MD5SIG / TCP_MD5SIG_EXT (a key per peer address or prefix)
 *   GTSM (RFC 5082): IP_MINTTL / IPV6_MINHOPCOUNT
 *   outgoing TTL: IP_TTL / IPV6_UNICAST_HOPS
 * plus socket() and bind() so an active session's key and TTL are set before its SYN leaves:
 * the fd is then handed to net.Socket({ fd }) and connected by Node.
 * Plain node_api.h (N-API), no C++ and no npm dependency. Errors are thrown as JS errors
 * carrying `code` (the errno name) so the TypeScript side can tell ENOENT from the rest.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "sockopt: bad arguments for " #call);     \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENOMEM: return "ENOMEM";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_name(e), message);
  return NULL;
}

static napi_value undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

/* Parses a textual IPv4/IPv6 address into a sockaddr_storage; returns its length or 0. */
static socklen_t parse_address(const char *text, unsigned port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    return sizeof *sin;
  }
  if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    return sizeof *sin6;
  }
  return 0;
}

static int get_fd(napi_env env, napi_value v, int *fd) {
  return napi_get_value_int32(env, v, fd) == napi_ok && *fd >= 0;
}

/* tcpMd5(fd, address, prefixLength, key): key "" deletes the key for that address.
 * prefixLength -1 is a single address (TCP_MD5SIG); 0..128 a prefix (TCP_MD5SIG_EXT).
 * On an AF_INET6 socket an IPv4 peer is given as ::ffff:a.b.c.d (the kernel files it as IPv4). */
static napi_value tcp_md5(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd, prefix;
  char address[64], key[TCP_MD5SIG_MAXKEYLEN + 2];
  size_t alen, klen;
  if (argc < 4 || !get_fd(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "tcpMd5(fd, address, prefixLength, key)");
    return NULL;
  }
  CHECK(napi_get_value_string_utf8(env, argv[1], address, sizeof address, &alen));
  CHECK(napi_get_value_int32(env, argv[2], &prefix));
  CHECK(napi_get_value_string_utf8(env, argv[3], key, sizeof key, &klen));
  if (klen > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, NULL, "TCP MD5 key longer than 80 bytes");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  if (parse_address(address, 0, &sig.tcpm_addr) == 0) {
    napi_throw_type_error(env, NULL, "tcpMd5: not an IP address");
    return NULL;
  }
  int option = TCP_MD5SIG;
  if (prefix >= 0) {
    option = TCP_MD5SIG_EXT;
    sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
    sig.tcpm_prefixlen = (unsigned char)prefix;
  }
  sig.tcpm_keylen = (unsigned short)klen;
  memcpy(sig.tcpm_key, key, klen);
  if (setsockopt(fd, IPPROTO_TCP, option, &sig, sizeof sig) < 0) return throw_errno(env, "setsockopt(TCP_MD5SIG)", errno);
  return undefined(env);
}

static int socket_family(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
  return ss.ss_family;
}

/* The IPv4 or IPv6 flavour of an option, after the socket's own family. An AF_INET6 socket
 * carrying IPv4 (v4-mapped) also gets the IPv4 option, which is what its IPv4 packets use. */
static int set_both(napi_env env, int fd, int v4opt, int v6opt, int value, const char *what) {
  int family = socket_family(fd);
  if (family < 0) return throw_errno(env, what, errno), -1;
  if (family == AF_INET6) {
    if (setsockopt(fd, IPPROTO_IPV6, v6opt, &value, sizeof value) < 0) return throw_errno(env, what, errno), -1;
    /* Best effort: an IPv6-only socket may refuse the IPv4 option. */
    (void)setsockopt(fd, IPPROTO_IP, v4opt, &value, sizeof value);
    return 0;
  }
  if (setsockopt(fd, IPPROTO_IP, v4opt, &value, sizeof value) < 0) return throw_errno(env, what, errno), -1;
  return 0;
}

static napi_value fd_int_args(napi_env env, napi_callback_info info, int *fd, int *value, const char *usage) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !get_fd(env, argv[0], fd) ||
      napi_get_value_int32(env, argv[1], value) != napi_ok || *value < 0 || *value > 255) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return undefined(env);
}

/* minTtl(fd, ttl): GTSM (RFC 5082), segments arriving with a lower TTL / hop limit are dropped. 0 turns it off. */
static napi_value min_ttl(napi_env env, napi_callback_info info) {
  int fd, value;
  if (!fd_int_args(env, info, &fd, &value, "minTtl(fd, 0..255)")) return NULL;
  if (set_both(env, fd, IP_MINTTL, IPV6_MINHOPCOUNT, value, "setsockopt(IP_MINTTL)") < 0) return NULL;
  return undefined(env);
}

/* ttl(fd, ttl): TTL / hop limit of the packets this socket sends (1..255). */
static napi_value ttl(napi_env env, napi_callback_info info) {
  int fd, value;
  if (!fd_int_args(env, info, &fd, &value, "ttl(fd, 1..255)")) return NULL;
  if (value == 0) {
    napi_throw_range_error(env, NULL, "ttl must be 1..255");
    return NULL;
  }
  if (set_both(env, fd, IP_TTL, IPV6_UNICAST_HOPS, value, "setsockopt(IP_TTL)") < 0) return NULL;
  return undefined(env);
}

/* getTtls(fd) → { ttl, minTtl }: read back what the kernel holds (tests, diagnostics). */
static napi_value get_ttls(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_fd(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "getTtls(fd)");
    return NULL;
  }
  int family = socket_family(fd);
  if (family < 0) return throw_errno(env, "getsockname", errno);
  int t = 0, m = 0;
  socklen_t len = sizeof t;
  int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
  if (getsockopt(fd, level, family == AF_INET6 ? IPV6_UNICAST_HOPS : IP_TTL, &t, &len) < 0) return throw_errno(env, "getsockopt(IP_TTL)", errno);
  len = sizeof m;
  if (getsockopt(fd, level, family == AF_INET6 ? IPV6_MINHOPCOUNT : IP_MINTTL, &m, &len) < 0) return throw_errno(env, "getsockopt(IP_MINTTL)", errno);
  napi_value result, vt, vm;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, t, &vt));
  CHECK(napi_create_int32(env, m, &vm));
  CHECK(napi_set_named_property(env, result, "ttl", vt));
  CHECK(napi_set_named_property(env, result, "minTtl", vm));
  return result;
}

/* tcpSocket(ipv6) → fd: a non-blocking, close-on-exec TCP socket for an active session. */
static napi_value tcp_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool v6 = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) CHECK(napi_get_value_bool(env, argv[0], &v6));
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return throw_errno(env, "socket", errno);
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* bind(fd, address): the session's local address (transport.local-address), any port. */
static napi_value bind_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd;
  char address[64];
  size_t alen;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_fd(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "bind(fd, address)");
    return NULL;
  }
  CHECK(napi_get_value_string_utf8(env, argv[1], address, sizeof address, &alen));
  struct sockaddr_storage ss;
  socklen_t len = parse_address(address, 0, &ss);
  if (len == 0) {
    napi_throw_type_error(env, NULL, "bind: not an IP address");
    return NULL;
  }
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind", errno);
  return undefined(env);
}

/* close(fd): for an fd never handed to Node (an error between tcpSocket and net.Socket). */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && get_fd(env, argv[0], &fd)) close(fd);
  return undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"tcpMd5", NULL, tcp_md5, NULL, NULL, NULL, napi_enumerable, NULL},
    {"minTtl", NULL, min_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ttl", NULL, ttl, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getTtls", NULL, get_ttls, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tcpSocket", NULL, tcp_socket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bind", NULL, bind_address, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
