// A secret held in memory: a private key, a password, a host key. Move-only (a copy would be one
// more buffer to wipe), cleansed with OPENSSL_cleanse when destroyed or replaced, and never
// printed: there is no operator<< and no implicit conversion, only the explicit reveal().
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>
#include <utility>

namespace rotagent {

class Secret {
 public:
  Secret() = default;
  // Takes `value`'s content and cleanses what is left of it: a moved-from short string keeps its
  // characters in its own inline buffer.
  explicit Secret(std::string&& value) : value_(std::move(value)) { CleanseString(value); }
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.Cleanse(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      Cleanse();
      value_ = std::move(other.value_);
      other.Cleanse();
    }
    return *this;
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { Cleanse(); }

  // The plaintext, for the one call that needs it; do not keep a copy.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }
  // Same content, compared without revealing either side to a printer.
  bool operator==(const Secret& other) const { return value_ == other.value_; }

  // Wipes the content now (it would be wiped at destruction anyway).
  void Cleanse() { CleanseString(value_); }

 private:
  // The whole capacity, not just the current length: a string shrunk earlier keeps old bytes.
  // Growing within the capacity does not allocate.
  static void CleanseString(std::string& s) noexcept {
    s.resize(s.capacity());
    OPENSSL_cleanse(s.data(), s.size());
    s.clear();
  }

  std::string value_;
};

}  // namespace rotagent
