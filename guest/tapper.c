/*
 * tapper: carries the guest's tap0 Ethernet frames over a serial port.
 *
 *   tap0  <-- frames -->  tapper  <-- framed bytes -->  /dev/ttyS1  <-->  page (src/net/tty-framing.ts)
 *
 * Framing (docs/framing.md): 0xC0 SLIP-escape(frame ++ crc32le(frame)) 0xC0, which resynchronises
 * at the next 0xC0 after any lost, flipped or injected byte. `--compat` speaks jslinux-tap's
 * framing instead (u16 big-endian length, then the frame).
 *
 * Both descriptors are non-blocking and serviced from one poll() loop, so neither direction waits
 * on the other. When the serial line is backed up we stop reading tap0 and let the kernel's tap
 * queue drop, as a real NIC would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* From <linux/if_tun.h>, spelled out so tapper builds against musl without kernel headers. */
#ifndef TUNSETIFF
#define TUNSETIFF _IOW('T', 202, int)
#endif
#ifndef IFF_TAP
#define IFF_TAP 0x0002
#define IFF_NO_PI 0x1000
#endif

#define SLIP_END 0xC0
#define SLIP_ESC 0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD
#define MIN_FRAME_BYTES 14
#define MAX_FRAME_BYTES 9018
#define CRC_BYTES 4
/* Worst case: every byte escaped, plus two delimiters. */
#define MAX_ENCODED_BYTES (2 * (MAX_FRAME_BYTES + CRC_BYTES) + 2)
#define SERIAL_OUT_BYTES (4 * MAX_ENCODED_BYTES)
#define SERIAL_READ_BYTES 4096

struct stats {
	unsigned long frames_to_serial, frames_to_tap;
	unsigned long bad_crc, bad_escape, oversize, runt, tap_drops, tap_too_big;
};

static struct stats st;
static volatile sig_atomic_t dump_stats;
static int compat;

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static void die(const char *what)
{
	fprintf(stderr, "tapper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int open_tap(const char *name, const uint8_t *mac, int mtu)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/net/tun");
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");

	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		die("socket");
	if (mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(sk, SIOCSIFHWADDR, &ifr) < 0)
			die("SIOCSIFHWADDR");
	}
	ifr.ifr_mtu = mtu;
	if (ioctl(sk, SIOCSIFMTU, &ifr) < 0)
		die("SIOCSIFMTU");
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
	close(sk);
	return fd;
}

static int open_serial(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (tcgetattr(fd, &t) < 0)
		die("tcgetattr");
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~CRTSCTS;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		die("tcsetattr");
	tcflush(fd, TCIOFLUSH);
	return fd;
}

/* Appends the framed form of one frame to out; returns the bytes written. */
static size_t encode_frame(const uint8_t *frame, size_t n, uint8_t *out)
{
	uint8_t *o = out;
	if (compat) {
		*o++ = (uint8_t)(n >> 8);
		*o++ = (uint8_t)n;
		memcpy(o, frame, n);
		return n + 2;
	}
	uint32_t crc = crc32_ieee(frame, n);
	uint8_t trailer[CRC_BYTES] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
	*o++ = SLIP_END;
	for (size_t i = 0; i < n + CRC_BYTES; i++) {
		uint8_t b = i < n ? frame[i] : trailer[i - n];
		if (b == SLIP_END) {
			*o++ = SLIP_ESC;
			*o++ = SLIP_ESC_END;
		} else if (b == SLIP_ESC) {
			*o++ = SLIP_ESC;
			*o++ = SLIP_ESC_ESC;
		} else {
			*o++ = b;
		}
	}
	*o++ = SLIP_END;
	return (size_t)(o - out);
}

/* Streaming decoder state for the serial -> tap direction. */
static uint8_t rx[MAX_FRAME_BYTES + CRC_BYTES];
static size_t rx_len;
static int rx_escaped, rx_bad_escape, rx_overflow;
static size_t compat_need; /* compat: bytes of frame still expected, 0 while reading the length */
static unsigned compat_hdr;
static int compat_hdr_bytes;

static void deliver(int tap, const uint8_t *frame, size_t n)
{
	if (write(tap, frame, n) < 0)
		st.tap_drops++;
	else
		st.frames_to_tap++;
}

static void finish_slip_frame(int tap)
{
	if (rx_len == 0 && !rx_bad_escape && !rx_overflow && !rx_escaped)
		return;
	if (rx_bad_escape || rx_escaped)
		st.bad_escape++;
	else if (rx_overflow)
		st.oversize++;
	else if (rx_len < MIN_FRAME_BYTES + CRC_BYTES)
		st.runt++;
	else {
		size_t n = rx_len - CRC_BYTES;
		uint32_t want = crc32_ieee(rx, n);
		uint32_t got = (uint32_t)rx[n] | (uint32_t)rx[n + 1] << 8 | (uint32_t)rx[n + 2] << 16 | (uint32_t)rx[n + 3] << 24;
		if (want == got)
			deliver(tap, rx, n);
		else
			st.bad_crc++;
	}
	rx_len = 0;
	rx_escaped = rx_bad_escape = rx_overflow = 0;
}

static void rx_store(uint8_t b)
{
	if (rx_len < sizeof rx)
		rx[rx_len++] = b;
	else
		rx_overflow = 1;
}

static void decode_slip(int tap, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (b == SLIP_END) {
			finish_slip_frame(tap);
		} else if (rx_escaped) {
			rx_escaped = 0;
			if (b == SLIP_ESC_END)
				rx_store(SLIP_END);
			else if (b == SLIP_ESC_ESC)
				rx_store(SLIP_ESC);
			else
				rx_bad_escape = 1;
		} else if (b == SLIP_ESC) {
			rx_escaped = 1;
		} else {
			rx_store(b);
		}
	}
}

static void decode_compat(int tap, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (compat_need == 0) {
			compat_hdr = (compat_hdr << 8) | p[i];
			if (++compat_hdr_bytes < 2)
				continue;
			compat_need = compat_hdr & 0xFFFF;
			compat_hdr = 0;
			compat_hdr_bytes = 0;
			rx_len = 0;
			continue;
		}
		/* A claimed length beyond our buffer is skipped byte for byte: this framing cannot resync. */
		if (rx_len < sizeof rx)
			rx[rx_len] = p[i];
		rx_len++;
		if (--compat_need == 0) {
			if (rx_len <= sizeof rx && rx_len >= MIN_FRAME_BYTES)
				deliver(tap, rx, rx_len);
			else
				st.oversize++;
			rx_len = 0;
		}
	}
}

static void on_usr1(int sig)
{
	(void)sig;
	dump_stats = 1;
}

static void print_stats(void)
{
	fprintf(stderr,
		"tapper: to_serial=%lu to_tap=%lu bad_crc=%lu bad_escape=%lu oversize=%lu runt=%lu tap_drops=%lu\n",
		st.frames_to_serial, st.frames_to_tap, st.bad_crc, st.bad_escape, st.oversize, st.runt, st.tap_drops);
}

static void usage(void)
{
	fprintf(stderr, "usage: tapper [--compat] [--mac aa:bb:cc:dd:ee:ff] [--mtu 68..9000] [--if tap0] [--tty /dev/ttyS1]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = "tap0", *tty = "/dev/ttyS1";
	uint8_t mac_bytes[6], *mac = NULL;
	int mtu = 1500;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--compat"))
			compat = 1;
		else if (!strcmp(argv[i], "--mac") && i + 1 < argc) {
			if (parse_mac(argv[++i], mac_bytes) < 0)
				usage();
			mac = mac_bytes;
		} else if (!strcmp(argv[i], "--mtu") && i + 1 < argc) {
			mtu = atoi(argv[++i]);
			if (mtu < 68 || mtu > 9000)
				usage();
		} else if (!strcmp(argv[i], "--if") && i + 1 < argc)
			ifname = argv[++i];
		else if (!strcmp(argv[i], "--tty") && i + 1 < argc)
			tty = argv[++i];
		else
			usage();
	}

	crc_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	int serial = open_serial(tty);
	int tap = open_tap(ifname, mac, mtu);

	static uint8_t out[SERIAL_OUT_BYTES];
	size_t out_head = 0, out_len = 0;
	static uint8_t frame[MAX_FRAME_BYTES + 64];
	static uint8_t inbuf[SERIAL_READ_BYTES];

	for (;;) {
		if (dump_stats) {
			dump_stats = 0;
			print_stats();
		}
		/* Read tap0 only while a worst-case encoded frame still fits in the out buffer. */
		int room = SERIAL_OUT_BYTES - out_len >= MAX_ENCODED_BYTES;
		struct pollfd pf[2] = {
			{ .fd = serial, .events = POLLIN | (out_len ? POLLOUT : 0) },
			{ .fd = tap, .events = room ? POLLIN : 0 },
		};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pf[0].revents & POLLIN) {
			ssize_t n = read(serial, inbuf, sizeof inbuf);
			if (n > 0) {
				if (compat)
					decode_compat(tap, inbuf, (size_t)n);
				else
					decode_slip(tap, inbuf, (size_t)n);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("read serial");
		}
		if (pf[1].revents & POLLIN) {
			/* Drain several frames per wakeup while they fit. */
			while (SERIAL_OUT_BYTES - out_len >= MAX_ENCODED_BYTES) {
				ssize_t n = read(tap, frame, sizeof frame);
				if (n < 0) {
					if (errno != EAGAIN && errno != EINTR)
						die("read tap");
					break;
				}
				if (n < MIN_FRAME_BYTES || n > MAX_FRAME_BYTES) {
					st.tap_too_big++;
					continue;
				}
				if (out_head > 0) {
					memmove(out, out + out_head, out_len);
					out_head = 0;
				}
				out_len += encode_frame(frame, (size_t)n, out + out_len);
				st.frames_to_serial++;
			}
		}
		if (out_len) {
			ssize_t n = write(serial, out + out_head, out_len);
			if (n > 0) {
				out_head += (size_t)n;
				out_len -= (size_t)n;
				if (out_len == 0)
					out_head = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("write serial");
		}
	}
}
