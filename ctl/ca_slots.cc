#include "ctl/ca_slots.h"

#include <openssl/pem.h>

#include "common/atomic_file.h"
#include "common/x509.h"
#include "ctl/issuer.h"
#include "ctl/lab_ca.h"
#include "ctl/signer.h"
#include "ctl/signer_pkcs11.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

// The files that make up a CA in a slot directory.
constexpr const char* kSlotFiles[] = {"ca-cert.pem", "ca-key.pem", "key-label"};

Status Rename(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (fs::exists(to, ec)) {
    return Status(Code::kAlreadyExists, to.string() + " exists; it is never overwritten");
  }
  fs::rename(from, to, ec);
  if (ec)
    return Internal("cannot move " + from.string() + " to " + to.string() + ": " + ec.message());
  return Status::Ok();
}

// The CN of the inventory's client certificate: the new identity must be authorized alike.
Result<std::string> ClientCommonName(const Inventory& inv) {
  auto pem = ReadFile(inv.client_cert);
  if (!pem.ok()) return pem.status().WithContext("client.cert");
  auto certs = x509::ParseCertificates(*pem, x509::Encoding::kPem, "client.cert");
  if (!certs.ok() || certs->empty()) return InvalidArgument("client.cert holds no certificate");
  char cn[256] = "";
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(certs->front().get()), NID_commonName, cn,
                                sizeof cn) <= 0) {
    return FailedPrecondition("client.cert has no common name to re-issue rotctl's identity for");
  }
  return std::string(cn);
}

Result<std::string> MakeCsr(EVP_PKEY* key, const std::string& cn) {
  ossl::X509Req req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (!req ||
      X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1 ||
      X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0) {
    return Internal("cannot make rotctl's CSR: " + ossl::LastError());
  }
  ossl::Bio out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509_REQ(out.get(), req.get()) != 1) return Internal("cannot encode the CSR");
  return ossl::BioString(out.get());
}

}  // namespace

fs::path NextCaDir(const Inventory& inv) { return inv.ca_dir / "next"; }

Result<std::string> MakeNextCa(const Inventory& inv, const std::string& rotation_id,
                               const std::string& common_name, int days) {
  const SignerConfig& c = inv.pki.signer;
  if (c.type == "command") {
    return FailedPrecondition(
        "the command signer's CA is external: rotate it at that CA, then point signer.roots at "
        "the new roots; rotctl ca rotate is for the file and pkcs11 signers");
  }
  const fs::path next = NextCaDir(inv);
  if (auto ca = ReadFile(LabCa::CertPath(next)); ca.ok()) {
    // An interrupted start: the new CA exists; opening it proves it can sign.
    ROTAGENT_RETURN_IF_ERROR(OpenSignerAt(inv, next).status());
    return ca;
  }
  if (c.type == "pkcs11") {
    SignerConfig nc = c;
    nc.key_label = c.key_label + "-" + rotation_id;
    ROTAGENT_RETURN_IF_ERROR(MakeDirs(next, 0700));
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(KeyLabelPath(next), nc.key_label + "\n", 0600));
    ROTAGENT_RETURN_IF_ERROR(Pkcs11Signer::InitCa(nc, LabCa::CertPath(next), common_name, days));
  } else {
    ROTAGENT_RETURN_IF_ERROR(LabCa::Init(next, common_name, days));
  }
  return ReadFile(LabCa::CertPath(next));
}

Status PromoteNextCa(const Inventory& inv, const std::string& rotation_id) {
  const fs::path next = NextCaDir(inv), retired = inv.ca_dir / "retired" / rotation_id;
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(retired, 0700));
  std::error_code ec;
  for (const char* f : kSlotFiles) {
    if (!fs::exists(next / f, ec)) continue;  // moved already, or not this signer's
    if (fs::exists(inv.ca_dir / f, ec))
      ROTAGENT_RETURN_IF_ERROR(Rename(inv.ca_dir / f, retired / f));
    ROTAGENT_RETURN_IF_ERROR(Rename(next / f, inv.ca_dir / f));
  }
  // The old pkcs11 CA named its key in the inventory: keep that name beside its certificate.
  if (inv.pki.signer.type == "pkcs11" && !fs::exists(retired / "key-label", ec)) {
    ROTAGENT_RETURN_IF_ERROR(
        WriteFileAtomic(KeyLabelPath(retired), inv.pki.signer.key_label + "\n", 0600));
  }
  fs::remove(next, ec);
  return Status::Ok();
}

Status AbandonNextCa(const Inventory& inv, const std::string& rotation_id) {
  std::error_code ec;
  if (!fs::exists(NextCaDir(inv), ec)) return Status::Ok();
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(inv.ca_dir / "abandoned", 0700));
  return Rename(NextCaDir(inv), inv.ca_dir / "abandoned" / rotation_id);
}

Result<ClientIdentity> IssueClientIdentity(const Inventory& inv, const std::string& rotation_id,
                                           const std::string& new_ca_pem) {
  const fs::path dir = inv.state_dir / "ca-rotation" / rotation_id;
  const ClientIdentity id{dir / "client-cert.pem", dir / "client-key.pem"};
  std::error_code ec;
  if (fs::exists(id.cert, ec) && fs::exists(id.key, ec)) return id;  // an interrupted start
  auto cn = ClientCommonName(inv);
  if (!cn.ok()) return cn.status();
  ossl::Pkey key(EVP_EC_gen("prime256v1"));
  if (!key) return Internal("key generation failed: " + ossl::LastError());
  auto csr = MakeCsr(key.get(), *cn);
  if (!csr.ok()) return csr.status();
  auto signer = OpenSignerAt(inv, NextCaDir(inv));
  if (!signer.ok()) return signer.status();
  auto issuer = Issuer::Make(inv, rotation_id, std::move(*signer), new_ca_pem);
  auto issued =
      issuer->Issue(*csr, {.common_name = *cn, .server = false, .days = inv.certificate_days},
                    "rotctl", "client-identity", rotation_id);
  if (!issued.ok()) return issued.status().WithContext("rotctl's client identity");
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  std::string pem = x509::KeyToPem(key.get());
  Status s = WriteFileAtomic(id.key, pem, 0600);
  Wipe(pem);
  ROTAGENT_RETURN_IF_ERROR(s);
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(id.cert, issued->leaf_pem, 0600));
  return id;
}

}  // namespace rotagent::ctl
