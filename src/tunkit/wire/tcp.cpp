#include "tunkit/wire/tcp.hpp"

#include <algorithm>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ip_protocol.hpp"

namespace tunkit {
namespace {

constexpr auto kTcp = static_cast<std::uint8_t>(IpProtocol::tcp);

// Bytes the options of `r` take before padding; the layout must match emit_options.
std::size_t options_size(const TcpRepr& r) noexcept {
  std::size_t n = 0;
  if (r.mss) n += 4;
  if (r.timestamps) n += 12;  // SACK-permitted (or 2 NOPs) + 10-byte timestamps
  else if (r.sack_permitted) n += 4;
  if (r.window_scale) n += 4;
  if (r.sack_count > 0) n += 4 + 8 * std::min(r.sack_count, TcpRepr::kMaxSackBlocks);
  for (std::size_t i = 0; i < std::min(r.unknown_count, TcpRepr::kMaxUnknownOptions); ++i)
    n += 2 + r.unknown_options[i].data.size();
  return n;
}

void emit_options(const TcpRepr& r, MutableByteSpan out) noexcept {
  // Linux tcp_options_write order, so a Linux segment re-emits byte for byte.
  std::size_t at = 0;
  auto put = [&](std::uint8_t v) { out[at++] = v; };
  auto put32 = [&](std::uint32_t v) {
    store_be32(out, at, v);
    at += 4;
  };
  if (r.mss) {
    put(2), put(4);
    store_be16(out, at, *r.mss);
    at += 2;
  }
  if (r.timestamps) {
    if (r.sack_permitted) put(4), put(2);
    else put(1), put(1);
    put(8), put(10);
    put32(r.timestamps->value);
    put32(r.timestamps->echo_reply);
  } else if (r.sack_permitted) {
    put(1), put(1), put(4), put(2);
  }
  if (r.window_scale) put(1), put(3), put(3), put(*r.window_scale);
  if (r.sack_count > 0) {
    const std::size_t blocks = std::min(r.sack_count, TcpRepr::kMaxSackBlocks);
    put(1), put(1), put(5), put(static_cast<std::uint8_t>(2 + 8 * blocks));
    for (std::size_t i = 0; i < blocks; ++i) put32(r.sack_blocks[i].left), put32(r.sack_blocks[i].right);
  }
  for (std::size_t i = 0; i < std::min(r.unknown_count, TcpRepr::kMaxUnknownOptions); ++i) {
    const KindLengthOption& o = r.unknown_options[i];
    put(o.kind), put(static_cast<std::uint8_t>(2 + o.data.size()));
    for (std::uint8_t v : o.data) put(v);
  }
  while (at % 4 != 0) put(0);  // end of option list, then zero padding (RFC 9293 §3.1)
}

}  // namespace

ParseError TcpView::check(ByteSpan segment) noexcept {
  if (segment.size() < kMinHeaderSize) return ParseError::truncated;
  const std::size_t header = (std::size_t{segment[12]} >> 4) * 4;
  if (header < kMinHeaderSize) return ParseError::bad_length;
  if (header > segment.size()) return ParseError::truncated;
  return KindLengthOptions::check(segment.subspan(kMinHeaderSize, header - kMinHeaderSize));
}

std::optional<TcpView> TcpView::parse(ByteSpan segment) noexcept {
  if (check(segment) != ParseError::none) return std::nullopt;
  return TcpView(segment);
}

bool TcpView::verify_checksum(const IpAddress& source, const IpAddress& destination) const noexcept {
  const std::uint16_t pseudo =
      pseudo_header_sum(source, destination, kTcp, static_cast<std::uint32_t>(b_.size()));
  return checksum_sum(b_, pseudo) == 0xffff;
}

TcpRepr TcpRepr::parse(const TcpView& view) noexcept {
  TcpRepr r;
  r.source_port = view.source_port();
  r.destination_port = view.destination_port();
  r.seq_number = view.seq_number();
  r.ack_number = view.ack_number();
  r.flags = view.flags();
  r.window = view.window();
  r.urgent_pointer = view.urgent_pointer();
  r.payload_length = static_cast<std::uint16_t>(view.payload().size());
  for (const KindLengthOption o : view.options()) {
    const ByteSpan d = o.data;
    switch (TcpOptionKind{o.kind}) {
      case TcpOptionKind::end:
      case TcpOptionKind::nop:
        break;
      case TcpOptionKind::mss:
        if (d.size() == 2) r.mss = load_be16(d, 0);
        break;
      case TcpOptionKind::window_scale:
        if (d.size() == 1) r.window_scale = d[0];
        break;
      case TcpOptionKind::sack_permitted:
        if (d.empty()) r.sack_permitted = true;
        break;
      case TcpOptionKind::sack:
        if (d.size() % 8 == 0 && !d.empty()) {
          r.sack_count = std::min(d.size() / 8, kMaxSackBlocks);
          for (std::size_t i = 0; i < r.sack_count; ++i)
            r.sack_blocks[i] = {load_be32(d, i * 8), load_be32(d, i * 8 + 4)};
        }
        break;
      case TcpOptionKind::timestamps:
        if (d.size() == 8) r.timestamps = TcpTimestamps{load_be32(d, 0), load_be32(d, 4)};
        break;
      default:
        if (r.unknown_count < kMaxUnknownOptions) r.unknown_options[r.unknown_count++] = o;
        break;
    }
  }
  return r;
}

std::size_t TcpRepr::size() const noexcept {
  return TcpView::kMinHeaderSize + (options_size(*this) + 3) / 4 * 4;
}

namespace {

// Everything but the checksum, which is left zero. Returns the header size, or 0 (nothing
// written) when emit() would fail.
std::size_t emit_header(const TcpRepr& r, MutableByteSpan out, const IpAddress& source,
                        const IpAddress& destination) noexcept {
  const std::size_t header = r.size();
  const std::size_t total = header + r.payload_length;
  if (header > TcpView::kMaxHeaderSize || out.size() < total || source.family != destination.family) return 0;
  store_be16(out, 0, r.source_port);
  store_be16(out, 2, r.destination_port);
  store_be32(out, 4, r.seq_number);
  store_be32(out, 8, r.ack_number);
  out[12] = static_cast<std::uint8_t>(header / 4 << 4);
  out[13] = r.flags;
  store_be16(out, 14, r.window);
  store_be16(out, 16, 0);
  store_be16(out, 18, r.urgent_pointer);
  emit_options(r, out.subspan(TcpView::kMinHeaderSize, header - TcpView::kMinHeaderSize));
  return header;
}

}  // namespace

std::size_t TcpRepr::emit(MutableByteSpan out, const IpAddress& source,
                          const IpAddress& destination) const noexcept {
  const std::size_t header = emit_header(*this, out, source, destination);
  if (header == 0) return 0;
  const std::size_t total = header + payload_length;
  const std::uint16_t pseudo =
      pseudo_header_sum(source, destination, kTcp, static_cast<std::uint32_t>(total));
  store_be16(out, 16, checksum_finish(checksum_sum(out.first(total), pseudo)));
  return header;
}

std::size_t TcpRepr::emit_partial_checksum(MutableByteSpan out, const IpAddress& source,
                                           const IpAddress& destination) const noexcept {
  const std::size_t header = emit_header(*this, out, source, destination);
  if (header == 0) return 0;
  store_be16(out, 16,
             pseudo_header_sum(source, destination, kTcp, static_cast<std::uint32_t>(header + payload_length)));
  return header;
}

}  // namespace tunkit
