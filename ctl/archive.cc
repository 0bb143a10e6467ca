#include "ctl/archive.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <tuple>

#include "common/atomic_file.h"
#include "common/x509.h"
#include "ctl/fabric_versions.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

bool SafeComponent(const std::string& s) {
  return !s.empty() && s.size() <= 128 && s[0] != '.' &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

std::string SerialHex(X509* cert) {
  ossl::Bignum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

Result<ArchiveEntry> Parse(const fs::path& file) {
  auto text = ReadFile(file);
  if (!text.ok()) return text.status();
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Internal(file.string() + " is not an archive entry");
  ArchiveEntry e;
  e.device = j.value("device", "");
  e.profile = j.value("profile", "");
  e.version = j.value("version", "");
  e.operation = j.value("operation", "");
  e.signer = j.value("signer", "");
  e.fingerprint = j.value("sha256Fingerprint", "");
  e.serial = j.value("serial", "");
  e.subject = j.value("subject", "");
  e.issuer = j.value("issuer", "");
  e.not_before = j.value("notBeforeEpoch", int64_t{0});
  e.not_after = j.value("notAfterEpoch", int64_t{0});
  e.issued_at = j.value("issuedAtEpoch", int64_t{0});
  e.chain_pem = j.value("chain", "");
  e.not_installed = j.value("notInstalled", "");
  return e;
}

// <version>-<the fingerprint's first 16 hex digits>.json
fs::path EntryFile(const fs::path& profile_dir, const std::string& version,
                   std::string fingerprint) {
  fingerprint.erase(std::remove(fingerprint.begin(), fingerprint.end(), ':'), fingerprint.end());
  return profile_dir / (version + "-" + fingerprint.substr(0, 16) + ".json");
}

// Where a label sorts: by the fabric intent it carries, then by resync ("v3" before "v3-r1"
// before "v3-r10" before "v4"); labels not rotctl's (the lab kit's) sort before those.
using VersionOrder = std::tuple<int, int, std::string>;
VersionOrder OrderOf(const std::string& label) {
  const int intent = IntentOf(label);
  int resync = 0;
  if (const size_t dash = label.find("-r"); intent > 0 && dash != std::string::npos) {
    std::from_chars(label.data() + dash + 2, label.data() + label.size(), resync);
  }
  return {intent, resync, label};
}

// Entries of one device's profile by version, oldest first.
std::map<VersionOrder, std::vector<fs::path>> ByVersion(const fs::path& profile_dir) {
  std::map<VersionOrder, std::vector<fs::path>> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(profile_dir, ec)) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() != ".json" || name.rfind('-') == std::string::npos) continue;
    const std::string version = name.substr(0, name.rfind('-'));
    out[OrderOf(version)].push_back(f.path());
  }
  return out;
}

}  // namespace

nlohmann::json ArchiveEntryJson(const ArchiveEntry& e, bool with_chain) {
  nlohmann::json j = {{"device", e.device},
                      {"profile", e.profile},
                      {"version", e.version},
                      {"reference", Archive::Reference(e.device, e.profile, e.version)},
                      {"operation", e.operation},
                      {"signer", e.signer},
                      {"sha256Fingerprint", e.fingerprint},
                      {"serial", e.serial},
                      {"subject", e.subject},
                      {"issuer", e.issuer},
                      {"notBefore", x509::FormatTime(e.not_before)},
                      {"notAfter", x509::FormatTime(e.not_after)},
                      {"notBeforeEpoch", e.not_before},
                      {"notAfterEpoch", e.not_after},
                      {"issuedAtEpoch", e.issued_at}};
  if (!e.not_installed.empty()) j["notInstalled"] = e.not_installed;
  if (with_chain) j["chain"] = e.chain_pem;
  return j;
}

std::string Archive::Reference(const std::string& device, const std::string& profile,
                               const std::string& version) {
  return device + "/" + profile + "/" + version;
}

Status Archive::Record(ArchiveEntry e) const {
  if (!SafeComponent(e.device) || !SafeComponent(e.profile) || !SafeComponent(e.version)) {
    return InvalidArgument(
        "cannot archive a certificate for device, profile or version that is "
        "not a plain name (letters, digits, '_', '.', '-')");
  }
  auto certs = x509::ParseCertificates(e.chain_pem, x509::Encoding::kPem, "archived chain");
  if (!certs.ok() || certs->empty()) return InvalidArgument("nothing to archive");
  X509* leaf = (*certs)[0].get();
  e.fingerprint = x509::Fingerprint(leaf);
  e.serial = SerialHex(leaf);
  e.subject = x509::SubjectText(leaf);
  e.issuer = x509::IssuerText(leaf);
  e.not_before = x509::NotBefore(leaf);
  e.not_after = x509::NotAfter(leaf);
  e.issued_at = time(nullptr);
  const fs::path profile_dir = dir_ / e.device / e.profile;
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(profile_dir, 0700));
  const fs::path file = EntryFile(profile_dir, e.version, e.fingerprint);
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(file, ArchiveEntryJson(e, true).dump(2) + "\n", 0600));
  return Prune(profile_dir);
}

Status Archive::MarkNotInstalled(const std::string& device, const std::string& profile,
                                 const std::string& version, const std::string& fingerprint,
                                 const std::string& why) const {
  if (!SafeComponent(device) || !SafeComponent(profile) || !SafeComponent(version)) {
    return InvalidArgument("no archive entry can be named by that device, profile or version");
  }
  const fs::path file = EntryFile(dir_ / device / profile, version, fingerprint);
  auto e = Parse(file);
  if (!e.ok()) return e.status();
  e->not_installed = why;
  return WriteFileAtomic(file, ArchiveEntryJson(*e, true).dump(2) + "\n", 0600);
}

Status Archive::Prune(const fs::path& profile_dir) const {
  auto versions = ByVersion(profile_dir);
  while (static_cast<int>(versions.size()) > keep_versions_) {
    for (const auto& f : versions.begin()->second) {
      std::error_code ec;
      fs::remove(f, ec);
      if (ec) return Internal("cannot prune " + f.string() + ": " + ec.message());
    }
    versions.erase(versions.begin());
  }
  return Status::Ok();
}

Result<std::vector<ArchiveEntry>> Archive::List(const std::string& device) const {
  std::vector<ArchiveEntry> out;
  if (!device.empty() && !SafeComponent(device)) return NotFound("no device '" + device + "'");
  std::error_code ec;
  std::vector<fs::path> devices;
  if (!device.empty()) {
    devices.push_back(dir_ / device);
  } else {
    for (const auto& d : fs::directory_iterator(dir_, ec)) devices.push_back(d.path());
  }
  for (const auto& d : devices) {
    for (const auto& p : fs::directory_iterator(d, ec)) {
      for (const auto& [v, files] : ByVersion(p.path())) {
        for (const auto& f : files) {
          auto e = Parse(f);
          if (!e.ok()) return e.status();
          out.push_back(std::move(*e));
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const ArchiveEntry& a, const ArchiveEntry& b) {
    return std::tie(a.device, a.profile, a.issued_at, a.fingerprint) <
           std::tie(b.device, b.profile, b.issued_at, b.fingerprint);
  });
  return out;
}

Result<std::vector<ArchiveEntry>> Archive::Find(const std::string& device,
                                                const std::string& profile,
                                                const std::string& version) const {
  auto all = List(device);
  if (!all.ok()) return all.status();
  std::vector<ArchiveEntry> out;
  for (auto& e : *all) {
    if (e.profile == profile && e.version == version) out.push_back(std::move(e));
  }
  if (out.empty()) {
    return NotFound("the archive holds no certificate " + Reference(device, profile, version));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace rotagent::ctl
