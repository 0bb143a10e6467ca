#include "agent/certz/candidate.h"

#include <array>

#include "common/text_field.h"

namespace rotagent::certz {
namespace {

const char* KindName(EntityUpload::Kind k) {
  switch (k) {
    case EntityUpload::Kind::kChain:
      return "certificate_chain";
    case EntityUpload::Kind::kTrustChain:
      return "trust_bundle";
    case EntityUpload::Kind::kTrustPkcs7:
      return "trust_bundle_pkcs7";
    case EntityUpload::Kind::kCrlBundle:
      return "certificate_revocation_list_bundle";
    case EntityUpload::Kind::kAuthPolicy:
      return "authentication_policy";
    case EntityUpload::Kind::kExisting:
      return "existing_entity";
  }
  return "entity";
}

template <typename M>
auto& MetaOf(M& m, EntityType t) {
  switch (t) {
    case EntityType::kCertificateChain:
      return m.chain;
    case EntityType::kTrustBundle:
      return m.trust;
    case EntityType::kCrlBundle:
      return m.crl;
    case EntityType::kAuthPolicy:
      return m.auth_policy;
  }
  return m.chain;
}

void CopyEntity(const ProfileMaterial& from, ProfileMaterial& to, EntityType t) {
  switch (t) {
    case EntityType::kCertificateChain:
      to.chain_pem = from.chain_pem;
      to.key_pem = from.key_pem;
      break;
    case EntityType::kTrustBundle:
      to.trust_pem = from.trust_pem;
      break;
    case EntityType::kCrlBundle:
      to.crl_pem = from.crl_pem;
      break;
    case EntityType::kAuthPolicy:
      to.policy = from.policy;
      break;
  }
  MetaOf(to, t) = MetaOf(from, t);
}

bool HasEntity(const ProfileMaterial& m, EntityType t) {
  switch (t) {
    case EntityType::kCertificateChain:
      return !m.chain_pem.empty();
    case EntityType::kTrustBundle:
      return !m.trust_pem.empty();
    case EntityType::kCrlBundle:
      return !m.crl_pem.empty();
    case EntityType::kAuthPolicy:
      return !m.policy.empty();
  }
  return false;
}

Status CheckSize(const std::string& data, const SizeLimits& limits, const std::string& what) {
  if (data.size() > limits.max_entity_bytes) {
    return {Code::kResourceExhausted, what + ": " + std::to_string(data.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(limits.max_entity_bytes)};
  }
  return Status::Ok();
}

// Parses a list of blobs that each may hold several PEM certificates.
Result<std::vector<ossl::X509Ptr>> ParseBlobs(const std::vector<Blob>& blobs,
                                              const SizeLimits& limits, const std::string& what) {
  std::vector<ossl::X509Ptr> out;
  for (size_t i = 0; i < blobs.size(); ++i) {
    std::string item = what + " certificate " + std::to_string(i);
    ROTAGENT_RETURN_IF_ERROR(CheckSize(blobs[i].data, limits, item));
    auto certs = x509::ParseCertificates(blobs[i].data, blobs[i].encoding, item);
    if (!certs.ok()) return certs.status();
    for (auto& c : *certs) out.push_back(std::move(c));
  }
  return out;
}

// Validated, parsed state of the candidate while it is built.
struct Parsed {
  std::vector<ossl::X509Ptr> chain, trust;
  std::vector<ossl::X509Crl> crls;
};

Result<Parsed> ParseMaterial(const ProfileMaterial& m) {
  Parsed p;
  if (!m.chain_pem.empty()) {
    auto c = x509::ParseCertificates(m.chain_pem, x509::Encoding::kPem, "stored certificate chain");
    if (!c.ok()) return c.status();
    p.chain = std::move(*c);
  }
  if (!m.trust_pem.empty()) {
    auto t = x509::ParseCertificates(m.trust_pem, x509::Encoding::kPem, "stored trust bundle");
    if (!t.ok()) return t.status();
    p.trust = std::move(*t);
  }
  if (!m.crl_pem.empty()) {
    auto r = x509::ParseCrls(m.crl_pem, x509::Encoding::kPem, "stored CRL bundle");
    if (!r.ok()) return r.status();
    p.crls = std::move(*r);
  }
  return p;
}

std::vector<ossl::X509Ptr> Intermediates(const std::vector<ossl::X509Ptr>& chain) {
  std::vector<ossl::X509Ptr> out;
  for (size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    out.emplace_back(chain[i].get());
  }
  return out;
}

}  // namespace

EntityType TypeOf(const EntityUpload& e) {
  switch (e.kind) {
    case EntityUpload::Kind::kChain:
      return EntityType::kCertificateChain;
    case EntityUpload::Kind::kTrustChain:
    case EntityUpload::Kind::kTrustPkcs7:
      return EntityType::kTrustBundle;
    case EntityUpload::Kind::kCrlBundle:
      return EntityType::kCrlBundle;
    case EntityUpload::Kind::kAuthPolicy:
      return EntityType::kAuthPolicy;
    case EntityUpload::Kind::kExisting:
      return e.existing_type.value_or(EntityType::kCertificateChain);
  }
  return EntityType::kCertificateChain;
}

const char* EntityTypeName(EntityType t) {
  switch (t) {
    case EntityType::kCertificateChain:
      return "certificate chain";
    case EntityType::kTrustBundle:
      return "trust bundle";
    case EntityType::kCrlBundle:
      return "CRL bundle";
    case EntityType::kAuthPolicy:
      return "authentication policy";
  }
  return "entity";
}

Result<ProfileMaterial> BuildCandidate(const std::vector<EntityUpload>& uploads,
                                       const CandidateContext& ctx) {
  if (uploads.empty()) return InvalidArgument("upload holds no entity");
  ProfileMaterial next = ctx.current != nullptr ? *ctx.current : ProfileMaterial{};
  std::array<bool, 4> seen{};
  std::array<bool, 4> changed{};

  // Pass 1: shape, versions, duplicates, ExistingEntity copies.
  for (size_t i = 0; i < uploads.size(); ++i) {
    const EntityUpload& e = uploads[i];
    const std::string what = "entity " + std::to_string(i) + " (" + KindName(e.kind) + ")";
    if (e.kind == EntityUpload::Kind::kExisting) {
      if (e.existing_profile.empty()) return InvalidArgument(what + ": ssl_profile_id is empty");
      if (!e.existing_type) return InvalidArgument(what + ": entity_type is unspecified");
      // The device identity stays where it is: copying it would hand its key (or the trust that
      // only the bootstrap CA holds) to a profile a controller can rotate and serve.
      if (e.existing_profile == "system_default_profile") {
        return FailedPrecondition(what +
                                  ": system_default_profile is the device's immutable identity "
                                  "and cannot be copied into another profile");
      }
    }
    EntityType type = TypeOf(e);
    auto idx = static_cast<size_t>(type);
    if (seen[idx]) {
      return InvalidArgument(what + ": a " + std::string(EntityTypeName(type)) +
                             " appears more than once in this upload");
    }
    seen[idx] = changed[idx] = true;
    if (e.kind != EntityUpload::Kind::kExisting || !e.version.empty()) {
      if (e.version.empty()) return InvalidArgument(what + ": version is empty");
      // The version reaches hooks' environment (ROTAGENT_VERSION), state files and logs.
      ROTAGENT_RETURN_IF_ERROR(CheckTextField(what + ": version", e.version));
      if (e.created_on == 0) return InvalidArgument(what + ": created_on is 0");
    }
    if (!ctx.force_overwrite && ctx.current != nullptr && !e.version.empty() &&
        MetaOf(*ctx.current, type).version == e.version) {
      return Status(Code::kAlreadyExists, what + ": version '" + e.version +
                                              "' is already the active " + EntityTypeName(type) +
                                              "; set force_overwrite to install it again");
    }
    if (e.kind == EntityUpload::Kind::kExisting) {
      std::optional<ProfileMaterial> src =
          ctx.lookup ? ctx.lookup(e.existing_profile) : std::nullopt;
      if (!src) return NotFound(what + ": profile '" + e.existing_profile + "' does not exist");
      if (!HasEntity(*src, type)) {
        return NotFound(what + ": profile '" + e.existing_profile + "' has no " +
                        EntityTypeName(type));
      }
      CopyEntity(*src, next, type);
      if (!e.version.empty()) MetaOf(next, type) = EntityMeta{e.version, e.created_on, 0};
    } else {
      MetaOf(next, type) = EntityMeta{e.version, e.created_on, 0};
    }
  }

  // Pass 2: parse and normalise the directly supplied material.
  for (size_t i = 0; i < uploads.size(); ++i) {
    const EntityUpload& e = uploads[i];
    const std::string what = "entity " + std::to_string(i) + " (" + KindName(e.kind) + ")";
    switch (e.kind) {
      case EntityUpload::Kind::kTrustChain: {
        auto certs = ParseBlobs(e.certs, ctx.limits, what);
        if (!certs.ok()) return certs.status();
        if (certs->size() > ctx.limits.max_bundle_certs) {
          return Status(Code::kResourceExhausted, what + ": more than " +
                                                      std::to_string(ctx.limits.max_bundle_certs) +
                                                      " certificates");
        }
        ROTAGENT_RETURN_IF_ERROR(CheckNoRepeats(*certs, what));
        next.trust_pem = x509::CertsToPem(*certs);
        break;
      }
      case EntityUpload::Kind::kTrustPkcs7: {
        ROTAGENT_RETURN_IF_ERROR(CheckSize(e.pkcs7, ctx.limits, what));
        auto certs = x509::ParsePkcs7(e.pkcs7, what);
        if (!certs.ok()) return certs.status();
        next.trust_pem = x509::CertsToPem(*certs);
        break;
      }
      case EntityUpload::Kind::kCrlBundle: {
        if (e.crls.size() > ctx.limits.max_crls) {
          return Status(Code::kResourceExhausted,
                        what + ": more than " + std::to_string(ctx.limits.max_crls) + " CRLs");
        }
        std::vector<ossl::X509Crl> crls;
        for (size_t j = 0; j < e.crls.size(); ++j) {
          std::string item = what + " CRL " + std::to_string(j);
          ROTAGENT_RETURN_IF_ERROR(CheckSize(e.crls[j].data, ctx.limits, item));
          auto parsed = x509::ParseCrls(e.crls[j].data, e.crls[j].encoding, item);
          if (!parsed.ok()) return parsed.status();
          ROTAGENT_RETURN_IF_ERROR(CheckCrlCurrent(*parsed, ctx.now, item));
          for (auto& c : *parsed) crls.push_back(std::move(c));
        }
        next.crl_pem = x509::CrlsToPem(crls);
        break;
      }
      case EntityUpload::Kind::kAuthPolicy:
        ROTAGENT_RETURN_IF_ERROR(CheckSize(e.policy, ctx.limits, what));
        if (e.policy.empty()) return InvalidArgument(what + ": policy is empty");
        next.policy = e.policy;
        break;
      case EntityUpload::Kind::kChain: {
        if (e.certs.empty()) return InvalidArgument(what + ": certificate is missing");
        if (e.certs.size() > ctx.limits.max_chain_depth) {
          return InvalidArgument(what + ": chain is deeper than " +
                                 std::to_string(ctx.limits.max_chain_depth) + " certificates");
        }
        auto chain = ParseBlobs(e.certs, ctx.limits, what);
        if (!chain.ok()) return chain.status();
        ROTAGENT_RETURN_IF_ERROR(CheckNoRepeats(*chain, what));
        X509* leaf = chain->front().get();
        ossl::Pkey key;
        if (e.key) {
          ROTAGENT_RETURN_IF_ERROR(CheckSize(e.key->data, ctx.limits, what + " private key"));
          auto parsed = x509::ParsePrivateKey(e.key->data, e.key->encoding, what + " private key");
          if (!parsed.ok()) return parsed.status();
          key = std::move(*parsed);
        } else if (ctx.generated_key != nullptr) {
          EVP_PKEY_up_ref(ctx.generated_key);
          key.reset(ctx.generated_key);
        } else if (e.key_generated) {
          return FailedPrecondition(
              what + ": KEY_SOURCE_GENERATED but no CSR was generated in this stream");
        } else {
          return InvalidArgument(
              what + ": private key is missing and no CSR was generated in this stream");
        }
        ROTAGENT_RETURN_IF_ERROR(CheckKeyPolicy(key.get(), ctx.key_policy, what));
        ROTAGENT_RETURN_IF_ERROR(CheckKeyMatches(leaf, key.get(), what));
        for (const auto& c : *chain)
          ROTAGENT_RETURN_IF_ERROR(CheckValidity(c.get(), ctx.now, what));
        next.chain_pem = x509::CertsToPem(*chain);
        Wipe(next.key_pem);
        next.key_pem = x509::KeyToPem(key.get());
        break;
      }
      case EntityUpload::Kind::kExisting:
        break;
    }
  }

  // Pass 3: the candidate must hold together as a whole.
  auto parsed = ParseMaterial(next);
  if (!parsed.ok()) return parsed.status();
  const auto idx = [](EntityType t) { return static_cast<size_t>(t); };
  if (!parsed->crls.empty() &&
      (changed[idx(EntityType::kCrlBundle)] || changed[idx(EntityType::kTrustBundle)])) {
    ROTAGENT_RETURN_IF_ERROR(
        CheckCrlIssuers(parsed->crls, parsed->trust, "certificate_revocation_list_bundle"));
  }
  if (!parsed->chain.empty()) {
    X509* leaf = parsed->chain.front().get();
    if (parsed->trust.empty()) {
      return FailedPrecondition("the profile has no trust bundle to verify certificate " +
                                x509::SubjectText(leaf) + "; upload one with the certificate");
    }
    Status v =
        VerifyChain(leaf, Intermediates(parsed->chain), parsed->trust, parsed->crls, ctx.now);
    if (!v.ok()) {
      if (changed[idx(EntityType::kCertificateChain)]) {
        return InvalidArgument("certificate " + x509::SubjectText(leaf) +
                               " does not verify against the trust bundle: " + v.message());
      }
      return FailedPrecondition(
          "the new trust bundle or CRLs would no longer validate the profile's certificate " +
          x509::SubjectText(leaf) + ": " + v.message());
    }
  }
  return next;
}

}  // namespace rotagent::certz
