// The gateway's tap device: a non-persistent Linux tap, attached to a bridge, read by a libuv
// poll handle on Node's own event loop so no thread ever blocks on it.
//
//   kernel bridge br1 <-> tapN <-> fd (O_NONBLOCK|O_CLOEXEC) <-> uv_poll -> JS callback([frames])
//                                                       JS write(frame) -> write(2) -^
//
// The tap is never made persistent (no TUNSETPERSIST), so the kernel deletes it when the last
// descriptor closes: on close(), on exit, and on SIGKILL alike. O_CLOEXEC keeps child processes
// from inheriting the descriptor and so from keeping the tap alive after we are gone.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// Largest frame we read: a 9000-byte MTU plus Ethernet header and one VLAN tag (9018), rounded up
// so a longer frame is seen as oversize instead of silently truncated to a plausible length.
#define READ_BUFFER_BYTES 65536
// Frames read per readable event before yielding back to the loop, so one busy tap cannot starve
// the data channels.
#define MAX_FRAMES_PER_WAKEUP 64

typedef struct {
  int fd;
  uv_poll_t poll;
  int polling;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int handle_live;
  int external_gone;
} Tap;

static unsigned char read_buffer[READ_BUFFER_BYTES];

static void on_external_gone(napi_env env, void *data, void *hint);

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char code[32];
  char message[256];
  snprintf(code, sizeof code, "ERR_TAP_%s", what);
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value error, code_value, errno_value, msg;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code_value, msg, &error);
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
  return NULL;
}

static int get_string(napi_env env, napi_value v, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return -1;
  return (int)len;
}

// Copies an interface name (already bounded by get_string) into a zeroed ifreq.
static void set_name(struct ifreq *ifr, const char *name) {
  memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
}

static Tap *get_tap(napi_env env, napi_value v) {
  Tap *tap = NULL;
  if (napi_get_value_external(env, v, (void **)&tap) != napi_ok) return NULL;
  return tap;
}

// Brings the interface up, sets its MTU, and adds it to the bridge; returns 0 or an errno, with
// *step naming the step that failed.
static int configure(const char *name, const char *bridge, int mtu, const char **step) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return (*step = "SOCKET", errno);
  struct ifreq ifr;
  int err = 0;
  if (mtu > 0) {
    memset(&ifr, 0, sizeof ifr);
    set_name(&ifr, name);
    ifr.ifr_mtu = mtu;
    if (ioctl(s, SIOCSIFMTU, &ifr) < 0) { err = errno; *step = "MTU"; goto out; }
  }
  if (bridge[0] != '\0') {
    int index = (int)if_nametoindex(name);
    if (index == 0) { err = errno; *step = "IFINDEX"; goto out; }
    memset(&ifr, 0, sizeof ifr);
    set_name(&ifr, bridge);
    ifr.ifr_ifindex = index;
    if (ioctl(s, SIOCBRADDIF, &ifr) < 0) { err = errno; *step = "BRIDGE"; goto out; }
  }
  memset(&ifr, 0, sizeof ifr);
  set_name(&ifr, name);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) { err = errno; *step = "FLAGS"; goto out; }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) { err = errno; *step = "UP"; goto out; }
out:
  close(s);
  return err;
}

// open(nameTemplate, bridge, mtu) -> [handle, fd, actualName]
static napi_value tap_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ] = {0};
  char bridge[IFNAMSIZ] = {0};
  int32_t mtu = 0;
  if (argc < 3 || get_string(env, argv[0], name, sizeof name) < 0 || get_string(env, argv[1], bridge, sizeof bridge) < 0 ||
      napi_get_value_int32(env, argv[2], &mtu) != napi_ok) {
    napi_throw_type_error(env, "ERR_TAP_ARGS", "open(name: string, bridge: string, mtu: number)");
    return NULL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "OPEN", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  set_name(&ifr, name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "SETIFF", err);
  }
  const char *step = NULL;
  int err = configure(ifr.ifr_name, bridge, mtu, &step);
  if (err != 0) {
    close(fd);
    return throw_errno(env, step, err);
  }
  Tap *tap = calloc(1, sizeof *tap);
  if (tap == NULL) {
    close(fd);
    return throw_errno(env, "ALLOC", ENOMEM);
  }
  tap->fd = fd;
  tap->env = env;
  napi_value result, handle, fd_value, name_value;
  napi_create_external(env, tap, on_external_gone, NULL, &handle);
  napi_create_int32(env, fd, &fd_value);
  napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &name_value);
  napi_create_array_with_length(env, 3, &result);
  napi_set_element(env, result, 0, handle);
  napi_set_element(env, result, 1, fd_value);
  napi_set_element(env, result, 2, name_value);
  return result;
}

// Reads what is ready and hands it to JS as one array of Buffers (fewer crossings than one call
// per frame); an error other than EAGAIN goes to JS as a negative errno in place of the array.
static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  Tap *tap = poll->data;
  napi_env env = tap->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg;
  if (status < 0) {
    napi_create_int32(env, status, &arg);
  } else {
    napi_create_array(env, &arg);
    uint32_t count = 0;
    while (count < MAX_FRAMES_PER_WAKEUP) {
      ssize_t n = read(tap->fd, read_buffer, sizeof read_buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK && count == 0) napi_create_int32(env, -errno, &arg);
        break;
      }
      napi_value buffer;
      napi_create_buffer_copy(env, (size_t)n, read_buffer, NULL, &buffer);
      napi_set_element(env, arg, count++, buffer);
    }
  }
  napi_value callback, recv, ignored;
  napi_get_reference_value(env, tap->callback, &callback);
  napi_get_global(env, &recv);
  // make_callback, not call_function: it runs queued microtasks and nextTicks afterwards, as any
  // libuv-driven callback in Node does. A throwing listener is an uncaught exception, as usual.
  napi_make_callback(env, tap->async, recv, callback, 1, &arg, &ignored);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

// start(handle, callback): begins polling; callback(frames: Buffer[] | errno: number).
static napi_value tap_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Tap *tap = argc == 2 ? get_tap(env, argv[0]) : NULL;
  if (tap == NULL || tap->fd < 0 || tap->polling) {
    napi_throw_error(env, "ERR_TAP_STATE", "start(handle, callback) on an open, idle tap");
    return NULL;
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int r = uv_poll_init(loop, &tap->poll, tap->fd);
  if (r < 0) return throw_errno(env, "POLL", -r);
  tap->poll.data = tap;
  tap->handle_live = 1;
  napi_create_reference(env, argv[1], 1, &tap->callback);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "peerlinux:tap", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &tap->async);
  // Marked polling before starting, so close() releases the handle even if starting fails.
  tap->polling = 1;
  r = uv_poll_start(&tap->poll, UV_READABLE, on_readable);
  if (r < 0) return throw_errno(env, "POLL", -r);
  return NULL;
}

// write(handle, frame) -> bytes written, or a negative errno (EAGAIN when the kernel is full).
static napi_value tap_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Tap *tap = argc == 2 ? get_tap(env, argv[0]) : NULL;
  void *data = NULL;
  size_t length = 0;
  if (tap == NULL || napi_get_typedarray_info(env, argv[1], NULL, &length, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, "ERR_TAP_ARGS", "write(handle, frame: Uint8Array)");
    return NULL;
  }
  ssize_t n = tap->fd < 0 ? -EBADF : write(tap->fd, data, length);
  if (n < 0 && tap->fd >= 0) n = -errno;
  napi_value result;
  napi_create_int32(env, (int32_t)n, &result);
  return result;
}

// The record is shared by the JS external and the uv handle: it is freed only when both are done
// with it (the external garbage collected, and the handle's close callback run).
static void release(Tap *tap) {
  if (tap->external_gone && !tap->handle_live) free(tap);
}

static void on_poll_closed(uv_handle_t *handle) {
  Tap *tap = handle->data;
  tap->handle_live = 0;
  release(tap);
}

static void on_external_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Tap *tap = data;
  tap->external_gone = 1;
  release(tap);
}

// close(handle): stops polling and closes the descriptor, which deletes the tap. Idempotent.
static napi_value tap_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Tap *tap = argc == 1 ? get_tap(env, argv[0]) : NULL;
  if (tap == NULL || tap->fd < 0) return NULL;
  if (tap->polling) {
    tap->polling = 0;
    napi_delete_reference(env, tap->callback);
    napi_async_destroy(env, tap->async);
    // uv_close unregisters the descriptor from epoll at once, so it must come before close(2)
    // (a reused descriptor number must never be left registered).
    uv_close((uv_handle_t *)&tap->poll, on_poll_closed);
  }
  close(tap->fd);
  tap->fd = -1;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tap_open, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, tap_start, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, tap_write, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, tap_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
