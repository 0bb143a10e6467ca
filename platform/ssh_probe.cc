#include "platform/ssh_probe.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "platform/ssh_ptr.h"

namespace rotagent::platform {
namespace {

using sshptr::Key;
using sshptr::Session;

Result<Session> Connect(const SshEndpoint& ep, const std::string& user,
                        const std::string& hostkeys) {
  Session s(ssh_new());
  if (!s) return Internal("libssh: cannot create a session");
  long timeout = ep.timeout_seconds;
  int log = SSH_LOG_NOLOG;
  bool process_config = false;
  // The box's own sshd: no config files, no known_hosts; the host key is what is being checked.
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, ep.host.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &ep.port);
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s.get(), SSH_OPTIONS_LOG_VERBOSITY, &log);
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  if (!user.empty()) ssh_options_set(s.get(), SSH_OPTIONS_USER, user.c_str());
  if (!hostkeys.empty()) ssh_options_set(s.get(), SSH_OPTIONS_HOSTKEYS, hostkeys.c_str());
  if (ssh_connect(s.get()) != SSH_OK) {
    return Unavailable("cannot connect to sshd at " + ep.host + ":" + std::to_string(ep.port) +
                       ": " + ssh_get_error(s.get()));
  }
  return s;
}

// "type base64" of the key the connected server showed.
Result<std::string> PublicKeyLine(ssh_session s) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(s, &raw) != SSH_OK) return Internal("sshd presented no host key");
  Key key(raw);
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key.get(), &b64) != SSH_OK) {
    return Internal("cannot encode the host key");
  }
  sshptr::Chars hold(b64);
  return std::string(ssh_key_type_to_char(ssh_key_type(key.get()))) + " " + b64;
}

// The first two words of an OpenSSH public key line, without its comment.
std::string TypeAndBlob(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) return line;
  return line.substr(0, line.find_first_of(" \t\r\n", space + 1));
}

}  // namespace

Result<SshEndpoint> ParseSshEndpoint(const std::string& address, int timeout_seconds) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("ssh address '" + address + "' is not host:port");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535)
    return InvalidArgument("ssh address '" + address + "' has no valid port");
  return SshEndpoint{host, port, timeout_seconds};
}

namespace {

// `pinned` null: any host key is accepted (controller-side lab checks only).
Status PasswordLogin(const SshEndpoint& ep, const std::string& user, const std::string& password,
                     const std::vector<std::string>* pinned) {
  const std::string where = "sshd at " + ep.host + ":" + std::to_string(ep.port);
  if (pinned != nullptr && pinned->empty()) {
    return FailedPrecondition(
        "no host public key of the local sshd could be read "
        "(platform.ssh.host_public_keys); the password is not sent to " +
        where);
  }
  auto s = Connect(ep, user, "");
  if (!s.ok()) return s.status();
  if (pinned != nullptr) {
    auto shown = PublicKeyLine(s->get());
    if (!shown.ok()) return shown.status();
    if (std::none_of(pinned->begin(), pinned->end(),
                     [&](const std::string& k) { return TypeAndBlob(k) == *shown; })) {
      return FailedPrecondition(where + " showed a host key that is not one of the box's own (" +
                                shown->substr(0, shown->find(' ')) +
                                "); the password was not sent");
    }
  }
  // An sshd that offers no password method cannot prove a password either way.
  if (ssh_userauth_none(s->get(), nullptr) == SSH_AUTH_SUCCESS) {
    return FailedPrecondition("sshd let account '" + user + "' in without any credential");
  }
  if ((ssh_userauth_list(s->get(), nullptr) & SSH_AUTH_METHOD_PASSWORD) == 0) {
    return {Code::kUnimplemented, where + " does not offer password authentication"};
  }
  int rc = ssh_userauth_password(s->get(), nullptr, password.c_str());
  if (rc == SSH_AUTH_SUCCESS) return Status::Ok();
  return FailedPrecondition(where + " refused the password login of account '" + user + "'");
}

}  // namespace

Status TryPasswordLogin(const SshEndpoint& ep, const std::string& user, const std::string& password,
                        const std::vector<std::string>& pinned_host_keys) {
  return PasswordLogin(ep, user, password, &pinned_host_keys);
}

Status TryPasswordLoginAnyHostKey(const SshEndpoint& ep, const std::string& user,
                                  const std::string& password) {
  return PasswordLogin(ep, user, password, nullptr);
}

Result<std::string> ServedHostKey(const SshEndpoint& ep, const std::string& algorithms) {
  auto s = Connect(ep, "", algorithms);
  if (!s.ok()) return s.status();
  return PublicKeyLine(s->get());
}

Result<std::vector<std::string>> ReadHostKeyFiles(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) {
      if (errno == ENOENT) continue;
      return Internal("cannot read host public key " + f.string());
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

Status WaitForHostKeys(const SshEndpoint& ep, const std::vector<std::string>& expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ep.timeout_seconds);
  Status last = Status::Ok();
  for (auto delay = std::chrono::milliseconds(20);;
       delay = std::min(delay * 2, std::chrono::milliseconds(500))) {
    last = Status::Ok();
    for (const auto& line : expected) {
      const std::string type = line.substr(0, line.find(' '));
      // OpenSSH no longer signs with SHA-1, so an RSA key is asked for by its SHA-2 names.
      auto served = ServedHostKey(ep, type == "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256" : type);
      if (!served.ok()) {
        last = served.status();
      } else if (*served != line.substr(0, line.find(' ', type.size() + 1))) {
        last = Unavailable("sshd still presents the previous " + type + " host key");
      }
      if (!last.ok()) break;
    }
    if (last.ok() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(delay);  // polling sshd's restart; there is no event to wait on
  }
  return last.WithContext("sshd did not take the new configuration within " +
                          std::to_string(ep.timeout_seconds) + " s");
}

}  // namespace rotagent::platform
