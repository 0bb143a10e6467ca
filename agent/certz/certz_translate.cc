#include "agent/certz/certz_translate.h"

// Deprecated certz fields (certificate, private_key, trust_bundle_pcks7) are still read so that
// older controllers keep working.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace rotagent::certz {
namespace pb = gnsi::certz::v1;

Result<CsrSuite> SuiteFromProto(pb::CSRSuite suite) {
  const int n = static_cast<int>(suite);
  static const char* kDigests[] = {"SHA256", "SHA384", "SHA512"};
  if (n >= 1 && n <= 9) {
    static const int kBits[] = {2048, 3072, 4096};
    return CsrSuite{KeyAlgorithm::kRsa, kBits[(n - 1) / 3], "", kDigests[(n - 1) % 3]};
  }
  if (n >= 10 && n <= 18) {
    static const char* kCurves[] = {"prime256v1", "secp384r1", "secp521r1"};
    return CsrSuite{KeyAlgorithm::kEcdsa, 0, kCurves[(n - 10) / 3], kDigests[(n - 10) % 3]};
  }
  if (suite == pb::CSRSUITE_X509_KEY_TYPE_EDDSA_ED25519) {
    return CsrSuite{KeyAlgorithm::kEd25519, 0, "", ""};
  }
  return InvalidArgument("csr_suite " + std::to_string(n) + " is not supported");
}

CsrSubject SubjectFromProto(const pb::CSRParams& p) {
  CsrSubject s{p.common_name(),
               p.country(),
               p.state(),
               p.city(),
               p.organization(),
               p.organizational_unit(),
               p.ip_address(),
               p.email_id(),
               {},
               {},
               {},
               {}};
  s.san_dns.assign(p.san().dns().begin(), p.san().dns().end());
  s.san_emails.assign(p.san().emails().begin(), p.san().emails().end());
  s.san_ips.assign(p.san().ips().begin(), p.san().ips().end());
  s.san_uris.assign(p.san().uris().begin(), p.san().uris().end());
  return s;
}

namespace {

Result<x509::Encoding> EncodingOf(const pb::Certificate& c, const std::string& data,
                                  const std::string& what) {
  if (c.type() != pb::CERTIFICATE_TYPE_X509) {
    return InvalidArgument(what + ": type must be CERTIFICATE_TYPE_X509");
  }
  switch (c.encoding()) {
    case pb::CERTIFICATE_ENCODING_PEM:
      return x509::Encoding::kPem;
    case pb::CERTIFICATE_ENCODING_DER:
      return x509::Encoding::kDer;
    case pb::CERTIFICATE_ENCODING_CRT:  // CRT files hold either form
      return data.find("-----BEGIN") != std::string::npos ? x509::Encoding::kPem
                                                          : x509::Encoding::kDer;
    default:
      return InvalidArgument(what + ": encoding must be PEM, DER or CRT");
  }
}

Result<Blob> CertBlob(const pb::Certificate& c, const std::string& what) {
  if (c.has_cert_source()) {
    return Status(Code::kUnimplemented,
                  what + ": cert_source is not supported; send raw_certificate");
  }
  const std::string& data = c.has_raw_certificate() ? c.raw_certificate() : c.certificate();
  if (data.empty()) return InvalidArgument(what + ": certificate is missing");
  auto enc = EncodingOf(c, data, what);
  if (!enc.ok()) return enc.status();
  return Blob{data, *enc};
}

bool HasKey(const pb::Certificate& c) {
  return c.has_raw_private_key() || !c.private_key().empty() || c.has_key_source();
}

// Depth and bundle size are policy, enforced by BuildCandidate; the request's parse
// (RotateRequestStream) already bounds how deep `parent` can nest.
Status ChainFromProto(const pb::CertificateChain& chain, const std::string& what, EntityUpload& out,
                      bool leaf_key_allowed) {
  const pb::CertificateChain* node = &chain;
  for (size_t depth = 0; node != nullptr; ++depth) {
    const std::string item = what + " certificate " + std::to_string(depth);
    if (!node->has_certificate()) return InvalidArgument(item + ": certificate is missing");
    const pb::Certificate& c = node->certificate();
    auto blob = CertBlob(c, item);
    if (!blob.ok()) return blob.status();
    out.certs.push_back(std::move(*blob));
    if (HasKey(c) && (depth > 0 || !leaf_key_allowed)) {
      return InvalidArgument(item + ": only the leaf of a certificate chain may carry a key");
    }
    if (depth == 0 && leaf_key_allowed) {
      if (c.has_key_source()) {
        if (c.key_source() == pb::Certificate::KEY_SOURCE_GENERATED) {
          out.key_generated = true;
        } else if (c.key_source() != pb::Certificate::KEY_SOURCE_UNSPECIFIED) {
          return Status(Code::kUnimplemented, item + ": key_source " +
                                                  pb::Certificate::KeySource_Name(c.key_source()) +
                                                  " is not supported");
        }
      } else if (c.has_raw_private_key() || !c.private_key().empty()) {
        // A copy: the request is const here, and its own bytes go with it.
        const std::string& key = c.has_raw_private_key() ? c.raw_private_key() : c.private_key();
        out.key = KeyBlob{Secret(std::string(key)), c.encoding() == pb::CERTIFICATE_ENCODING_DER
                                                        ? x509::Encoding::kDer
                                                        : x509::Encoding::kPem};
      }
    }
    node = node->has_parent() ? &node->parent() : nullptr;
  }
  return Status::Ok();
}

Result<EntityType> ExistingType(pb::ExistingEntity::EntityType t) {
  switch (t) {
    case pb::ExistingEntity::ENTITY_TYPE_CERTIFICATE_CHAIN:
      return EntityType::kCertificateChain;
    case pb::ExistingEntity::ENTITY_TYPE_TRUST_BUNDLE:
      return EntityType::kTrustBundle;
    case pb::ExistingEntity::ENTITY_TYPE_CERTIFICATE_REVOCATION_LIST_BUNDLE:
      return EntityType::kCrlBundle;
    case pb::ExistingEntity::ENTITY_TYPE_AUTHENTICATION_POLICY:
      return EntityType::kAuthPolicy;
    default:
      return InvalidArgument("entity_type is unspecified");
  }
}

}  // namespace

Result<std::vector<EntityUpload>> UploadFromProto(const pb::UploadRequest& req) {
  std::vector<EntityUpload> out;
  for (int i = 0; i < req.entities_size(); ++i) {
    const pb::Entity& e = req.entities(i);
    const std::string what = "entity " + std::to_string(i);
    EntityUpload u;
    u.version = e.version();
    u.created_on = e.created_on();
    switch (e.entity_case()) {
      case pb::Entity::kCertificateChain:
        u.kind = EntityUpload::Kind::kChain;
        ROTAGENT_RETURN_IF_ERROR(
            ChainFromProto(e.certificate_chain(), what + " (certificate_chain)", u, true));
        break;
      case pb::Entity::kTrustBundle:
        u.kind = EntityUpload::Kind::kTrustChain;
        ROTAGENT_RETURN_IF_ERROR(
            ChainFromProto(e.trust_bundle(), what + " (trust_bundle)", u, false));
        break;
      case pb::Entity::kTrustBundlePcks7:
      case pb::Entity::kTrustBundlePkcs7:
        u.kind = EntityUpload::Kind::kTrustPkcs7;
        u.pkcs7 = e.has_trust_bundle_pkcs7() ? e.trust_bundle_pkcs7().pkcs7_block()
                                             : e.trust_bundle_pcks7().pkcs7_block();
        break;
      case pb::Entity::kCertificateRevocationListBundle: {
        u.kind = EntityUpload::Kind::kCrlBundle;
        const auto& list = e.certificate_revocation_list_bundle().certificate_revocation_lists();
        if (list.empty()) {
          return InvalidArgument(what + " (certificate_revocation_list_bundle): holds no CRL");
        }
        for (int j = 0; j < list.size(); ++j) {
          const auto& crl = list[j];
          x509::Encoding enc = crl.encoding() == pb::CERTIFICATE_ENCODING_DER
                                   ? x509::Encoding::kDer
                                   : x509::Encoding::kPem;
          u.crls.push_back({crl.certificate_revocation_list(), enc});
        }
        break;
      }
      case pb::Entity::kAuthenticationPolicy:
        u.kind = EntityUpload::Kind::kAuthPolicy;
        if (!e.authentication_policy().has_serialized()) {
          return InvalidArgument(what + " (authentication_policy): serialized is missing");
        }
        u.policy = e.authentication_policy().serialized().SerializeAsString();
        break;
      case pb::Entity::kExistingEntity: {
        u.kind = EntityUpload::Kind::kExisting;
        u.existing_profile = e.existing_entity().ssl_profile_id();
        auto t = ExistingType(e.existing_entity().entity_type());
        if (t.ok()) u.existing_type = *t;
        break;
      }
      case pb::Entity::ENTITY_NOT_SET:
        return InvalidArgument(what + ": holds no entity");
    }
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace rotagent::certz
