/* Helper for host_flood.sh (not part of the build; the script compiles it with gcc -O2).
 *   udp_flood client DST PORT SECONDS WINDOW SIZE [WARMUP]
 *       UDP echo flood: keeps up to WINDOW datagrams of SIZE bytes in flight to DST:PORT
 *       (sendmmsg/recvmmsg on a connected non-blocking socket), refills the window as echoes
 *       come back, and counts echoes received during SECONDS after WARMUP seconds (default 1).
 *       A window with no echo for 20 ms is written off as lost and refilled.
 *       Prints: "sent N echoed M lost L bad B seconds S rate R" (R = echoes per second).
 *   udp_flood server PORT
 *       UDP echo server (RFC 862) for the kernel reference: recvmmsg/sendmmsg loop, 64 a batch,
 *       until SIGTERM. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int client(const char* dst, int port, double seconds, int window, int size, double warmup) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (inet_pton(AF_INET, dst, &to.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int big = 1 << 22;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (s < 0 || connect(s, (struct sockaddr*)&to, sizeof to) < 0) { perror("connect"); return 1; }
  static char out[BATCH][2048], in[BATCH][2048];
  struct iovec oiov[BATCH], iiov[BATCH];
  struct mmsghdr omsg[BATCH], imsg[BATCH];
  if (size < 1 || size > 1472) size = 64;
  for (int i = 0; i < BATCH; ++i) {
    memset(out[i], 'a' + i % 26, size);
    oiov[i] = (struct iovec){out[i], (size_t)size};
    iiov[i] = (struct iovec){in[i], sizeof in[i]};
    memset(&omsg[i], 0, sizeof omsg[i]);
    omsg[i].msg_hdr.msg_iov = &oiov[i];
    omsg[i].msg_hdr.msg_iovlen = 1;
  }
  long sent = 0, echoed = 0, lost = 0, bad = 0, counted = 0, inflight = 0;
  double start = now(), t0 = start + warmup, t1 = t0 + seconds, last_echo = start;
  int measuring = 0;
  for (;;) {
    double t = now();
    if (!measuring && t >= t0) { measuring = 1; counted = 0; }
    if (t >= t1) break;
    while (inflight < window) {
      int n = window - inflight > BATCH ? BATCH : (int)(window - inflight);
      int k = sendmmsg(s, omsg, n, 0);
      if (k <= 0) break;
      inflight += k; sent += k;
    }
    struct pollfd p = {.fd = s, .events = POLLIN};
    poll(&p, 1, 10);
    for (;;) {
      for (int i = 0; i < BATCH; ++i) {
        memset(&imsg[i], 0, sizeof imsg[i]);
        imsg[i].msg_hdr.msg_iov = &iiov[i];
        imsg[i].msg_hdr.msg_iovlen = 1;
      }
      int k = recvmmsg(s, imsg, BATCH, MSG_DONTWAIT, NULL);
      if (k <= 0) break;  /* EAGAIN, or ECONNREFUSED from an ICMP error */
      for (int i = 0; i < k; ++i) {
        if ((int)imsg[i].msg_len == size && in[i][0] >= 'a' && in[i][0] <= 'z' && in[i][size - 1] == in[i][0])
          ++echoed, ++counted;
        else ++bad;
      }
      inflight -= k;
      if (inflight < 0) inflight = 0;
      last_echo = now();
    }
    if (inflight > 0 && now() - last_echo > 0.020) { lost += inflight; inflight = 0; last_echo = now(); }
  }
  double elapsed = now() - t0;
  printf("sent %ld echoed %ld lost %ld bad %ld seconds %.3f rate %.0f\n", sent, echoed, lost, bad,
         elapsed, counted / elapsed);
  return 0;
}

static int server(int port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  int big = 1 << 22;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (s < 0 || bind(s, (struct sockaddr*)&me, sizeof me) < 0) { perror("bind"); return 1; }
  fprintf(stderr, "udp_flood server: listening on %d\n", port);
  static char buf[BATCH][2048];
  struct sockaddr_in from[BATCH];
  struct iovec iov[BATCH];
  struct mmsghdr msg[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; ++i) {
      iov[i] = (struct iovec){buf[i], sizeof buf[i]};
      memset(&msg[i], 0, sizeof msg[i]);
      msg[i].msg_hdr.msg_iov = &iov[i];
      msg[i].msg_hdr.msg_iovlen = 1;
      msg[i].msg_hdr.msg_name = &from[i];
      msg[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int k = recvmmsg(s, msg, BATCH, MSG_WAITFORONE, NULL);
    if (k < 0) { if (errno == EINTR) continue; perror("recvmmsg"); return 1; }
    for (int i = 0; i < k; ++i) iov[i].iov_len = msg[i].msg_len;
    int done = 0;
    while (done < k) {
      int w = sendmmsg(s, msg + done, k - done, 0);
      if (w <= 0) break;
      done += w;
    }
  }
}

int main(int argc, char** argv) {
  if ((argc == 7 || argc == 8) && strcmp(argv[1], "client") == 0)
    return client(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]), atoi(argv[6]),
                  argc == 8 ? atof(argv[7]) : 1.0);
  if (argc == 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
  fprintf(stderr, "usage: udp_flood client DST PORT SECONDS WINDOW SIZE [WARMUP] | server PORT\n");
  return 2;
}
