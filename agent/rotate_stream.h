// Stream helpers shared by the gNSI Rotate services: the watch that ends a stream holding the
// rotation lock too long (stream_watch.h), and the caller's certificates from the TLS session.
#pragma once

#include <grpcpp/server_context.h>

#include <string>

#include "agent/caller.h"
#include "agent/stream_watch.h"

namespace rotagent {

// The caller's certificates from the TLS session.
inline Caller CallerOf(grpc::ServerContext* ctx) {
  Caller c;
  auto auth = ctx->auth_context();
  if (!auth) return c;
  auto leaf = auth->FindPropertyValues("x509_pem_cert");
  if (!leaf.empty()) c.leaf_pem.assign(leaf.front().data(), leaf.front().size());
  auto chain = auth->FindPropertyValues("x509_pem_cert_chain");
  if (!chain.empty()) c.chain_pem.assign(chain.front().data(), chain.front().size());
  return c;
}

// The caller's leaf certificate (PEM) from the TLS session; empty without one.
inline std::string PeerCertificatePem(grpc::ServerContext* ctx) { return CallerOf(ctx).leaf_pem; }

}  // namespace rotagent
