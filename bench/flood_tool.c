/* Helper for dump_flood.sh (not part of the build; the script compiles it).
 *   flood_tool send DST PORT COUNT PPS   UDP datagrams of 64 bytes to DST:PORT, paced to PPS
 *                                        (0: as fast as possible); prints "sent N seconds S"
 *   flood_tool drain IFNAME              attaches to TUN IFNAME (IFF_NO_PI) and reads and
 *                                        discards until SIGTERM: the plain reader that keeps
 *                                        a TUN drained while tcpdump captures on it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc == 6 && strcmp(argv[1], "send") == 0) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[3]))};
    inet_pton(AF_INET, argv[2], &to.sin_addr);
    long count = atol(argv[4]), pps = atol(argv[5]), sent = 0;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 1 << 22;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    char payload[64] = "tunkit dump flood";
    double start = now();
    for (long i = 0; i < count; ++i) {
      if (pps > 0)
        while (now() - start < (double)i / pps) {}
      if (sendto(s, payload, sizeof payload, 0, (struct sockaddr*)&to, sizeof to) == (ssize_t)sizeof payload) ++sent;
    }
    printf("sent %ld seconds %.3f\n", sent, now() - start);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "drain") == 0) {
    int fd = open("/dev/net/tun", O_RDWR);
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, argv[2], IFNAMSIZ - 1);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("attach"); return 1; }
    char buf[65536];
    long n = 0;
    while (read(fd, buf, sizeof buf) >= 0) ++n;
    return 0;
  }
  fprintf(stderr, "usage: flood_tool send DST PORT COUNT PPS | drain IFNAME\n");
  return 2;
}
