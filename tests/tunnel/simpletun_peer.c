/* A test peer that speaks simpletun's wire format the way simpletun writes it: for each
 * packet, one write() of the 2-byte big-endian length and a second write() of the packet,
 * on a socket without TCP_NODELAY, and blocking reads of exactly those sizes. Used by
 * tests/netns/tunnel_simpletun_test.sh to show tunkit interoperates in both roles.
 *   simpletun_peer -i IFNAME (-s | -c SERVER_IPv4) [-p PORT]
 * Written for the tests; not the original program. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static int read_exactly(int fd, uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *ifname = NULL, *server = NULL;
  int listen_mode = 0, port = 55555, opt;
  while ((opt = getopt(argc, argv, "i:sc:p:")) != -1) {
    if (opt == 'i') ifname = optarg;
    else if (opt == 's') listen_mode = 1;
    else if (opt == 'c') server = optarg;
    else if (opt == 'p') port = atoi(optarg);
    else return 2;
  }
  if (!ifname || listen_mode == (server != NULL)) {
    fprintf(stderr, "usage: simpletun_peer -i IFNAME (-s | -c SERVER) [-p PORT]\n");
    return 2;
  }
  int tun = open("/dev/net/tun", O_RDWR);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  if (tun < 0 || ioctl(tun, TUNSETIFF, &ifr) < 0) { perror("tun"); return 1; }

  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  int net;
  if (listen_mode) {
    int lsock = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(lsock, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lsock, 1) < 0) { perror("listen"); return 1; }
    net = accept(lsock, NULL, NULL);
  } else {
    net = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, server, &addr.sin_addr);
    if (connect(net, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
  }
  if (net < 0) { perror("socket"); return 1; }
  fprintf(stderr, "simpletun_peer: connected\n");

  uint8_t buf[2048], len[2];
  for (;;) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(tun, &rd);
    FD_SET(net, &rd);
    if (select((tun > net ? tun : net) + 1, &rd, NULL, NULL, NULL) < 0) return 1;
    if (FD_ISSET(tun, &rd)) {
      ssize_t n = read(tun, buf, sizeof buf);
      if (n <= 0) return 1;
      len[0] = (uint8_t)(n >> 8);
      len[1] = (uint8_t)n;
      if (write(net, len, 2) != 2 || write(net, buf, (size_t)n) != n) return 1; /* two writes */
    }
    if (FD_ISSET(net, &rd)) {
      if (read_exactly(net, len, 2) < 0) return 0;
      size_t n = (size_t)len[0] << 8 | len[1];
      if (n == 0 || n > sizeof buf || read_exactly(net, buf, n) < 0) return 1;
      if (write(tun, buf, n) < 0) perror("write tun");
    }
  }
}
