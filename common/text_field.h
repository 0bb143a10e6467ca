// Controller strings that reach an environment variable, a file, a file name or a log line
// (versions, descriptions): printable ASCII only, bounded, so none can forge a second line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rotagent {

inline constexpr size_t kMaxTextField = 256;

// INVALID_ARGUMENT naming `what` (never quoting the value) if `value` holds a byte outside
// printable ASCII (a newline, another control character, DEL, non-ASCII) or is longer than `max`.
// True if `s` holds a control character (below 0x20, or DEL): what could end a line or forge one.
bool HasControlCharacter(std::string_view s);

Status CheckTextField(const std::string& what, const std::string& value,
                      size_t max = kMaxTextField);

}  // namespace rotagent
