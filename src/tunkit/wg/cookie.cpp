#include "tunkit/wg/cookie.hpp"

#include <cstring>
#include <string_view>

#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/secret.hpp"
#include "tunkit/wg/messages.hpp"

namespace tunkit::wg {

namespace {

crypto::Bytes label(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
crypto::Digest mac1_key_for(const crypto::PublicKey& key) {
  return crypto::blake2s({label("mac1----"), key.bytes});
}
crypto::Digest cookie_key_for(const crypto::PublicKey& key) {
  return crypto::blake2s({label("cookie--"), key.bytes});
}
// The message up to mac1 (what mac1 covers) and up to mac2 (what mac2 covers).
std::span<const std::uint8_t> before_mac1(std::span<const std::uint8_t> m) noexcept {
  return m.first(m.size() - 32);
}
std::span<const std::uint8_t> before_mac2(std::span<const std::uint8_t> m) noexcept {
  return m.first(m.size() - 16);
}
bool mac_matches(const crypto::Mac& expected, const std::uint8_t* actual) noexcept {
  return crypto::equal_constant_time(expected, {actual, crypto::mac_size});
}

}  // namespace

CookieChecker::CookieChecker(const crypto::PublicKey& local)
    : mac1_key_(mac1_key_for(local)), cookie_key_(cookie_key_for(local)) {}

bool CookieChecker::check_mac1(std::span<const std::uint8_t> message) const noexcept {
  if (message.size() < 32) return false;
  return mac_matches(crypto::blake2s_mac(mac1_key_, before_mac1(message)),
                     message.data() + message.size() - 32);
}

crypto::Mac CookieChecker::cookie_for(std::span<const std::uint8_t> source) const noexcept {
  return crypto::blake2s_mac(secret_.bytes(), source);  // τ = MAC(R_m, A_m)
}

bool CookieChecker::check_mac2(std::span<const std::uint8_t> message,
                               std::span<const std::uint8_t> source, Instant now) const noexcept {
  if (message.size() < 32 || !secret_born_ || now - *secret_born_ >= cookie_refresh_time) return false;
  const crypto::Mac cookie = cookie_for(source);
  return mac_matches(crypto::blake2s_mac(cookie, before_mac2(message)),
                     message.data() + message.size() - 16);
}

void CookieChecker::create_reply(std::span<const std::uint8_t> message,
                                 std::span<const std::uint8_t> source, Instant now,
                                 std::span<std::uint8_t, 64> out) {
  if (!secret_born_ || now - *secret_born_ >= cookie_refresh_time) {
    crypto::random_bytes(secret_.bytes());
    secret_born_ = now;
  }
  crypto::Mac cookie = cookie_for(source);
  store_type(out.data(), MessageType::cookie_reply);
  // The receiver is the sender index of the message we answer (offset 4 in both types).
  std::memcpy(out.data() + cookie_reply::receiver, message.data() + 4, 4);
  auto nonce = out.subspan<cookie_reply::nonce, crypto::xaead_nonce_size>();
  crypto::random_bytes(nonce);
  std::uint8_t* sealed = out.data() + cookie_reply::encrypted_cookie;
  std::memcpy(sealed, cookie.data(), cookie.size());
  // AAD: the mac1 of the message we answer, so only its sender can use the cookie.
  crypto::xseal(cookie_key_, nonce, {sealed, 16},
                message.subspan(message.size() - 32, crypto::mac_size),
                std::span<std::uint8_t, 16>(sealed + 16, 16));
  crypto::wipe(cookie);
}

CookieGenerator::CookieGenerator(const crypto::PublicKey& peer)
    : mac1_key_(mac1_key_for(peer)), cookie_key_(cookie_key_for(peer)) {}

void CookieGenerator::add_macs(std::span<std::uint8_t> message, Instant now) noexcept {
  std::uint8_t* mac1 = message.data() + message.size() - 32;
  std::uint8_t* mac2 = mac1 + 16;
  const crypto::Mac m1 = crypto::blake2s_mac(mac1_key_, before_mac1(message));
  std::memcpy(mac1, m1.data(), m1.size());
  last_mac1_ = m1;
  if (cookie_born_ && now - *cookie_born_ < cookie_refresh_time) {
    const crypto::Mac m2 = crypto::blake2s_mac(cookie_, before_mac2(message));
    std::memcpy(mac2, m2.data(), m2.size());
  } else {
    std::memset(mac2, 0, 16);
  }
}

bool CookieGenerator::consume_reply(std::span<const std::uint8_t, 64> reply, Instant now) noexcept {
  if (!last_mac1_) return false;
  std::array<std::uint8_t, 16> cookie{};
  std::memcpy(cookie.data(), reply.data() + cookie_reply::encrypted_cookie, 16);
  const auto nonce = reply.subspan<cookie_reply::nonce, crypto::xaead_nonce_size>();
  if (!crypto::xopen(cookie_key_, nonce, cookie, *last_mac1_,
                     std::span<const std::uint8_t, 16>(reply.data() + cookie_reply::encrypted_cookie + 16, 16)))
    return false;
  cookie_ = cookie;
  cookie_born_ = now;
  last_mac1_.reset();  // one reply per message
  return true;
}

}  // namespace tunkit::wg
