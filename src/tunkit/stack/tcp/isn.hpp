// Initial sequence numbers, RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
// remoteport, secretkey), M a 4-microsecond timer, F a keyed hash (SipHash-2-4 from
// libsodium) with a random key chosen when the generator is made.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tunkit/crypto/secret.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/time.hpp"
#include "tunkit/wire/address.hpp"

namespace tunkit::stack::tcp {

struct FourTuple {
  IpAddress local;
  std::uint16_t local_port = 0;
  IpAddress remote;
  std::uint16_t remote_port = 0;
  bool operator==(const FourTuple&) const = default;
};

// The canonical bytes F hashes (RFC 6528 leaves the encoding open): family (4 or 6), local
// address, local port, remote address, remote port; addresses at their family's size
// (4 or 16 bytes), ports in network order. Returns the number of bytes written.
inline constexpr std::size_t kFourTupleMaxBytes = 1 + 16 + 2 + 16 + 2;
std::size_t encode_four_tuple(const FourTuple& tuple,
                              std::span<std::uint8_t, kFourTupleMaxBytes> out) noexcept;

class IsnGenerator {
 public:
  IsnGenerator();                                          // random key
  explicit IsnGenerator(const std::array<std::uint8_t, 16>& key) noexcept;  // for tests
  // M + F: M counts 4 microseconds (250,000 per second) since steady_clock's epoch.
  Seq generate(const FourTuple& tuple, Instant now) const noexcept;
  // F alone (no clock): SipHash-2-4 of encode_four_tuple() followed by `extra` (4 bytes,
  // network order); also used to hash the demux table. SynCookies hashes the same
  // encoding under its own key.
  std::uint64_t hash(const FourTuple& tuple, std::uint32_t extra = 0) const noexcept;

 private:
  crypto::Secret<16> key_;  // wiped on destruction
};

}  // namespace tunkit::stack::tcp
