#include "agent/certz/candidate.h"

#include <array>
#include <optional>

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

// Moves one entity of `from` (a profile read for ExistingEntity, dropped after) into `to`.
void TakeEntity(ProfileMaterial& from, ProfileMaterial& to, EntityType t) {
  switch (t) {
    case EntityType::kCertificateChain:
      to.chain_pem = std::move(from.chain_pem);
      to.key_pem = std::move(from.key_pem);
      break;
    case EntityType::kTrustBundle:
      to.trust_pem = std::move(from.trust_pem);
      break;
    case EntityType::kCrlBundle:
      to.crl_pem = std::move(from.crl_pem);
      break;
    case EntityType::kAuthPolicy:
      to.policy = std::move(from.policy);
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

Status CheckSize(size_t size, size_t limit, const std::string& what) {
  if (size > limit) {
    return {Code::kResourceExhausted, what + ": " + std::to_string(size) +
                                          " bytes exceeds the limit of " + std::to_string(limit)};
  }
  return Status::Ok();
}

Status CheckSize(const std::string& data, size_t limit, const std::string& what) {
  return CheckSize(data.size(), limit, what);
}

// Parses a list of blobs that each may hold several PEM certificates.
Result<std::vector<ossl::X509Ptr>> ParseBlobs(const std::vector<Blob>& blobs, size_t limit,
                                              const std::string& what,
                                              x509::PublicKeys keys = x509::PublicKeys::kDecode) {
  std::vector<ossl::X509Ptr> out;
  for (size_t i = 0; i < blobs.size(); ++i) {
    std::string item = what + " certificate " + std::to_string(i);
    ROTAGENT_RETURN_IF_ERROR(CheckSize(blobs[i].data, limit, item));
    auto certs = x509::ParseCertificates(blobs[i].data, blobs[i].encoding, item, keys);
    if (!certs.ok()) return certs.status();
    for (auto& c : *certs) out.push_back(std::move(c));
  }
  return out;
}

// The candidate in parsed form. What this upload supplied is parsed once, while it is validated;
// the rest (kept or copied with ExistingEntity) is parsed from its PEM only if the whole-candidate
// checks need it.
struct Parsed {
  std::optional<std::vector<ossl::X509Ptr>> chain, trust;
  std::optional<std::vector<ossl::X509Crl>> crls;
  ossl::Pkey key;  // the uploaded chain's
  Secret key_pem;  // as uploaded (x509::ParsePrivateKey); empty if not uploaded
};

// Which entity types this upload changes.
using Changed = std::array<bool, 4>;
size_t Idx(EntityType t) { return static_cast<size_t>(t); }

std::string What(size_t i, const EntityUpload& e) {
  return "entity " + std::to_string(i) + " (" + KindName(e.kind) + ")";
}

// Pass 1: shape, versions, duplicates and ExistingEntity copies; no material is parsed.
Status ApplyIdentities(const std::vector<EntityUpload>& uploads, const CandidateContext& ctx,
                       ProfileMaterial& next, Changed& changed) {
  for (size_t i = 0; i < uploads.size(); ++i) {
    const EntityUpload& e = uploads[i];
    const std::string what = What(i, e);
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
    if (changed[Idx(type)]) {
      return InvalidArgument(what + ": a " + std::string(EntityTypeName(type)) +
                             " appears more than once in this upload");
    }
    changed[Idx(type)] = true;
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
      TakeEntity(*src, next, type);
      if (!e.version.empty()) MetaOf(next, type) = EntityMeta{e.version, e.created_on, 0};
    } else {
      MetaOf(next, type) = EntityMeta{e.version, e.created_on, 0};
    }
  }
  return Status::Ok();
}

Status CheckBundleCount(size_t n, const SizeLimits& limits, const std::string& what) {
  if (n > limits.max_bundle_certs) {
    return Status(Code::kResourceExhausted, what + ": more than " +
                                                std::to_string(limits.max_bundle_certs) +
                                                " certificates (certz.max_bundle_certs)");
  }
  return Status::Ok();
}

// A trust bundle sent as a chain or as multi-certificate PEM.
Status TakeTrustChain(const EntityUpload& e, const SizeLimits& limits, const std::string& what,
                      ProfileMaterial& next, Parsed& p) {
  size_t total = 0;
  for (const auto& b : e.certs) total += b.data.size();
  ROTAGENT_RETURN_IF_ERROR(CheckSize(total, limits.max_bundle_bytes, what + " (bundle)"));
  // Trust anchors keep their keys encoded until a verification looks one up (TrustStore).
  auto certs = ParseBlobs(e.certs, limits.max_bundle_bytes, what, x509::PublicKeys::kDeferred);
  if (!certs.ok()) return certs.status();
  ROTAGENT_RETURN_IF_ERROR(CheckBundleCount(certs->size(), limits, what));
  ROTAGENT_RETURN_IF_ERROR(CheckNoRepeats(*certs, what));
  next.trust_pem = x509::CertsToPem(*certs);
  p.trust = std::move(*certs);
  return Status::Ok();
}

Status TakeTrustPkcs7(const EntityUpload& e, const SizeLimits& limits, const std::string& what,
                      ProfileMaterial& next, Parsed& p) {
  ROTAGENT_RETURN_IF_ERROR(CheckSize(e.pkcs7, limits.max_bundle_bytes, what));
  auto certs = x509::ParsePkcs7(e.pkcs7, what, x509::PublicKeys::kDeferred);
  if (!certs.ok()) return certs.status();
  ROTAGENT_RETURN_IF_ERROR(CheckBundleCount(certs->size(), limits, what));
  next.trust_pem = x509::CertsToPem(*certs);
  p.trust = std::move(*certs);
  return Status::Ok();
}

Status TakeCrls(const EntityUpload& e, const CandidateContext& ctx, const std::string& what,
                ProfileMaterial& next, Parsed& p) {
  if (e.crls.size() > ctx.limits.max_crls) {
    return Status(Code::kResourceExhausted,
                  what + ": more than " + std::to_string(ctx.limits.max_crls) + " CRLs");
  }
  size_t total = 0;
  for (const auto& b : e.crls) total += b.data.size();
  ROTAGENT_RETURN_IF_ERROR(CheckSize(total, ctx.limits.max_bundle_bytes, what + " (bundle)"));
  std::vector<ossl::X509Crl> crls;
  for (size_t j = 0; j < e.crls.size(); ++j) {
    std::string item = what + " CRL " + std::to_string(j);
    ROTAGENT_RETURN_IF_ERROR(CheckSize(e.crls[j].data, ctx.limits.max_bundle_bytes, item));
    auto parsed = x509::ParseCrls(e.crls[j].data, e.crls[j].encoding, item);
    if (!parsed.ok()) return parsed.status();
    ROTAGENT_RETURN_IF_ERROR(CheckCrlCurrent(*parsed, ctx.now, item));
    for (auto& c : *parsed) crls.push_back(std::move(c));
  }
  next.crl_pem = x509::CrlsToPem(crls);
  p.crls = std::move(crls);
  return Status::Ok();
}

// The key for the chain's leaf: uploaded with it (its PEM to `pem`), or generated by this
// stream's CSR.
Result<ossl::Pkey> ChainKey(const EntityUpload& e, const CandidateContext& ctx,
                            const std::string& what, Secret& pem) {
  if (e.key) {
    ROTAGENT_RETURN_IF_ERROR(
        CheckSize(e.key->data.size(), ctx.limits.max_entity_bytes, what + " private key"));
    std::string text;
    auto key =
        x509::ParsePrivateKey(e.key->data.reveal(), e.key->encoding, what + " private key", text);
    pem = Secret(std::move(text));
    return key;
  }
  if (ctx.generated_key != nullptr) {
    EVP_PKEY_up_ref(ctx.generated_key);
    return ossl::Pkey(ctx.generated_key);
  }
  if (e.key_generated) {
    return FailedPrecondition(what +
                              ": KEY_SOURCE_GENERATED but no CSR was generated in this stream");
  }
  return InvalidArgument(what + ": private key is missing and no CSR was generated in this stream");
}

Status TakeChain(const EntityUpload& e, const CandidateContext& ctx, const std::string& what,
                 ProfileMaterial& next, Parsed& p) {
  if (e.certs.empty()) return InvalidArgument(what + ": certificate is missing");
  if (e.certs.size() > ctx.limits.max_chain_depth) {
    return InvalidArgument(what + ": chain is deeper than " +
                           std::to_string(ctx.limits.max_chain_depth) + " certificates");
  }
  auto chain = ParseBlobs(e.certs, ctx.limits.max_entity_bytes, what);
  if (!chain.ok()) return chain.status();
  ROTAGENT_RETURN_IF_ERROR(CheckNoRepeats(*chain, what));
  auto key = ChainKey(e, ctx, what, p.key_pem);
  if (!key.ok()) return key.status();
  ROTAGENT_RETURN_IF_ERROR(CheckKeyPolicy(key->get(), ctx.key_policy, what));
  ROTAGENT_RETURN_IF_ERROR(CheckKeyMatches(chain->front().get(), key->get(), what));
  for (const auto& c : *chain) ROTAGENT_RETURN_IF_ERROR(CheckValidity(c.get(), ctx.now, what));
  next.chain_pem = x509::CertsToPem(*chain);
  next.key_pem = Secret();  // the replaced key is cleansed; BuildCandidate writes the new one
  p.chain = std::move(*chain);
  p.key = std::move(*key);
  return Status::Ok();
}

// Pass 2: parses and checks the directly supplied material, keeping the parsed form.
Status TakeMaterial(const std::vector<EntityUpload>& uploads, const CandidateContext& ctx,
                    ProfileMaterial& next, Parsed& p) {
  for (size_t i = 0; i < uploads.size(); ++i) {
    const EntityUpload& e = uploads[i];
    const std::string what = What(i, e);
    switch (e.kind) {
      case EntityUpload::Kind::kTrustChain:
        ROTAGENT_RETURN_IF_ERROR(TakeTrustChain(e, ctx.limits, what, next, p));
        break;
      case EntityUpload::Kind::kTrustPkcs7:
        ROTAGENT_RETURN_IF_ERROR(TakeTrustPkcs7(e, ctx.limits, what, next, p));
        break;
      case EntityUpload::Kind::kCrlBundle:
        ROTAGENT_RETURN_IF_ERROR(TakeCrls(e, ctx, what, next, p));
        break;
      case EntityUpload::Kind::kAuthPolicy:
        ROTAGENT_RETURN_IF_ERROR(CheckSize(e.policy, ctx.limits.max_entity_bytes, what));
        if (e.policy.empty()) return InvalidArgument(what + ": policy is empty");
        next.policy = e.policy;
        break;
      case EntityUpload::Kind::kChain:
        ROTAGENT_RETURN_IF_ERROR(TakeChain(e, ctx, what, next, p));
        break;
      case EntityUpload::Kind::kExisting:
        break;
    }
  }
  return Status::Ok();
}

// Parses the stored PEM of whatever pass 2 did not supply.
Status ParseKept(const ProfileMaterial& m, Parsed& p) {
  if (!p.chain && !m.chain_pem.empty()) {
    auto c = x509::ParseCertificates(m.chain_pem, x509::Encoding::kPem, "stored certificate chain");
    if (!c.ok()) return c.status();
    p.chain = std::move(*c);
  }
  if (!p.trust && !m.trust_pem.empty()) {
    auto t = x509::ParseCertificates(m.trust_pem, x509::Encoding::kPem, "stored trust bundle",
                                     x509::PublicKeys::kDeferred);
    if (!t.ok()) return t.status();
    p.trust = std::move(*t);
  }
  if (!p.crls && !m.crl_pem.empty()) {
    auto r = x509::ParseCrls(m.crl_pem, x509::Encoding::kPem, "stored CRL bundle");
    if (!r.ok()) return r.status();
    p.crls = std::move(*r);
  }
  return Status::Ok();
}

std::vector<ossl::X509Ptr> Intermediates(const std::vector<ossl::X509Ptr>& chain) {
  std::vector<ossl::X509Ptr> out;
  for (size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    out.emplace_back(chain[i].get());
  }
  return out;
}

// Pass 3: the candidate must hold together as a whole.
Status CheckWhole(const ProfileMaterial& next, Parsed& p, const Changed& changed,
                  const CandidateContext& ctx) {
  const bool chain = changed[Idx(EntityType::kCertificateChain)];
  const bool trust = changed[Idx(EntityType::kTrustBundle)];
  const bool crl = changed[Idx(EntityType::kCrlBundle)];
  ROTAGENT_RETURN_IF_ERROR(ParseKept(next, p));
  static const std::vector<ossl::X509Crl> kNoCrls;
  const auto& crls = p.crls ? *p.crls : kNoCrls;
  if (!crls.empty() && (crl || trust)) {
    static const std::vector<ossl::X509Ptr> kNone;
    ROTAGENT_RETURN_IF_ERROR(
        CheckCrlIssuers(crls, p.trust ? *p.trust : kNone, "certificate_revocation_list_bundle"));
  }
  // The one index of this bundle: the chain is verified with it, and the listener serves it. A
  // bundle re-sent unchanged keeps the index already in use.
  const bool has_trust = p.trust && !p.trust->empty();
  auto store = TrustStore::Find(next.trust_pem, next.crl_pem);
  if (!store) {
    std::vector<ossl::X509Crl> crl_refs;
    for (const auto& c : crls) {
      X509_CRL_up_ref(c.get());
      crl_refs.emplace_back(c.get());
    }
    store = TrustStore::Build(has_trust ? std::move(*p.trust) : std::vector<ossl::X509Ptr>{},
                              std::move(crl_refs));
    TrustStore::Publish(next.trust_pem, next.crl_pem, store);
  }
  p.trust.reset();
  if (ctx.trust_out != nullptr) *ctx.trust_out = store;
  if (!p.chain || p.chain->empty()) return Status::Ok();
  X509* leaf = p.chain->front().get();
  if (!has_trust) {
    return FailedPrecondition("the profile has no trust bundle to verify certificate " +
                              x509::SubjectText(leaf) + "; upload one with the certificate");
  }
  Status v = VerifyChain(leaf, Intermediates(*p.chain), *store, ctx.now);
  if (v.ok()) return Status::Ok();
  if (chain) {
    return InvalidArgument("certificate " + x509::SubjectText(leaf) +
                           " does not verify against the trust bundle: " + v.message());
  }
  return FailedPrecondition(
      "the new trust bundle or CRLs would no longer validate the profile's certificate " +
      x509::SubjectText(leaf) + ": " + v.message());
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
  // The candidate starts as the current version; what the upload does not replace is kept.
  ProfileMaterial next = ctx.current != nullptr ? ctx.current->Clone() : ProfileMaterial{};
  Changed changed{};
  Parsed parsed;
  Status s = ApplyIdentities(uploads, ctx, next, changed);
  if (s.ok()) s = TakeMaterial(uploads, ctx, next, parsed);
  if (s.ok() && parsed.key) {
    if (ctx.chain_checked) ctx.chain_checked(next, parsed.key.get());
    next.key_pem = parsed.key_pem.empty() ? Secret(x509::KeyToPem(parsed.key.get()))
                                          : std::move(parsed.key_pem);
  }
  if (s.ok()) s = CheckWhole(next, parsed, changed, ctx);
  if (!s.ok()) return s;
  return next;
}

}  // namespace rotagent::certz
