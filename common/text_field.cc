#include "common/text_field.h"

#include <algorithm>

namespace rotagent {

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Status CheckTextField(const std::string& what, const std::string& value, size_t max) {
  if (value.size() > max) {
    return InvalidArgument(what + " is longer than " + std::to_string(max) + " bytes");
  }
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (!printable) {
    return InvalidArgument(what +
                           " holds a newline, another control character or a non-ASCII byte");
  }
  return Status::Ok();
}

}  // namespace rotagent
