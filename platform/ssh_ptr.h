// RAII holders for libssh objects, as common/ossl.h is for OpenSSL.
#pragma once

#include <libssh/libssh.h>

#include <memory>

namespace rotagent::sshptr {

struct KeyFree {
  void operator()(ssh_key k) const { ssh_key_free(k); }
};
struct SessionFree {
  void operator()(ssh_session s) const {
    ssh_disconnect(s);
    ssh_free(s);
  }
};
struct CharsFree {
  void operator()(char* p) const { ssh_string_free_char(p); }
};

using Key = std::unique_ptr<ssh_key_struct, KeyFree>;
using Session = std::unique_ptr<ssh_session_struct, SessionFree>;
using Chars = std::unique_ptr<char, CharsFree>;  // strings libssh allocates for the caller

}  // namespace rotagent::sshptr
