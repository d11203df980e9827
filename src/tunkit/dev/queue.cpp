#include "tunkit/dev/queue.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/uio.h>

#include <cerrno>

namespace tunkit::dev {
namespace {

// Lays out [pi][vnet][packet] as the kernel expects them on this queue.
int frame_iov(iovec (&iov)[3], bool packet_info, bool vnet_hdr, const PacketSlot& slot,
              std::size_t packet_bytes) {
  int n = 0;
  if (packet_info) iov[n++] = {const_cast<tun_pi*>(&slot.pi), sizeof slot.pi};
  if (vnet_hdr) iov[n++] = {const_cast<VnetHeader*>(&slot.vnet), sizeof slot.vnet};
  iov[n++] = {slot.buffer.data() + slot.offset, packet_bytes};
  return n;
}

std::unexpected<Error> io_error(int err, const char* what) {
  // EBADFD: tun_chr_read_iter/write_iter when the device was deleted under the fd.
  if (err == EBADFD)
    return fail(Errc::device_gone, "the device was deleted while attached");
  return fail_errno_context(err, what);
}

}  // namespace

Result<std::size_t> Queue::read(std::span<PacketSlot> slots) const {
  const std::size_t side = (packet_info_ ? sizeof(tun_pi) : 0) +
                           (vnet_hdr_ ? sizeof(VnetHeader) : 0);
  std::size_t filled = 0;
  for (PacketSlot& slot : slots) {
    iovec iov[3];
    const int n = frame_iov(iov, packet_info_, vnet_hdr_, slot, slot.capacity());
    ssize_t got;
    do {
      got = ::readv(fd_, iov, n);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      if (errno == EAGAIN && filled > 0) break;
      if (errno == EAGAIN) return 0;
      if (filled > 0) break;  // report the error on the next call, keep what we have
      return io_error(errno, "read from TUN/TAP queue");
    }
    const auto total = static_cast<std::size_t>(got);
    slot.length = total > side ? total - side : 0;
    ++filled;
    if (!non_blocking_) break;
  }
  return filled;
}

Result<std::size_t> Queue::write(std::span<const PacketSlot> slots) const {
  std::size_t written = 0;
  for (const PacketSlot& slot : slots) {
    iovec iov[3];
    const int n = frame_iov(iov, packet_info_, vnet_hdr_, slot, slot.length);
    ssize_t put;
    do {
      put = ::writev(fd_, iov, n);
    } while (put < 0 && errno == EINTR);
    if (put < 0) {
      if (written > 0) break;
      return io_error(errno, "write to TUN/TAP queue");
    }
    ++written;
  }
  return written;
}

Result<void> Queue::write_packet(std::span<const std::uint8_t> packet,
                                 const VnetHeader* vnet) const {
  PacketSlot slot;
  if (vnet) slot.vnet = *vnet;
  slot.buffer = std::span(const_cast<std::uint8_t*>(packet.data()), packet.size());  // writev only reads
  slot.length = packet.size();
  if (packet_info_ && !packet.empty())
    slot.pi.proto = htons((packet[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP);
  auto written = write(std::span(&slot, 1));
  if (!written) return std::unexpected(written.error());
  return {};
}

}  // namespace tunkit::dev
