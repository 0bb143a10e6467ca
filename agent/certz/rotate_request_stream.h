// The certz Rotate stream, read as raw bytes and parsed here. gRPC parses requests with
// protobuf's default nesting limit of 100, and a trust bundle sent as a `parent` chain nests one
// message per CA: the public conformance suite sends its 1,000-CA bundles that way. Parsed here,
// a request may nest kMaxRequestNesting deep; that bounds the stack a parse (and the request's
// destruction) uses to well under a megabyte.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include "agent/rotate_stream_loop.h"
#include "common/status.h"
#include "gnsi/certz/v1/certz.pb.h"

namespace rotagent::certz {

// Messages a request may nest below itself: upload > entity > chain (one per certificate) >
// certificate, so a parent chain carries kMaxRequestNesting - 3 certificates.
inline constexpr int kMaxRequestNesting = 2100;
inline constexpr int kMaxParentChainCertificates = kMaxRequestNesting - 3;

class RotateRequestStream final : public ParsingStream<gnsi::certz::v1::RotateCertificateResponse,
                                                       gnsi::certz::v1::RotateCertificateRequest> {
 public:
  using Raw = grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>;
  explicit RotateRequestStream(Raw* raw) : raw_(raw) {}

  void SendInitialMetadata() override { raw_->SendInitialMetadata(); }
  bool NextMessageSize(uint32_t* sz) override { return raw_->NextMessageSize(sz); }
  bool Read(gnsi::certz::v1::RotateCertificateRequest* msg) override;
  using grpc::internal::WriterInterface<gnsi::certz::v1::RotateCertificateResponse>::Write;
  bool Write(const gnsi::certz::v1::RotateCertificateResponse& msg,
             grpc::WriteOptions options) override;
  Status UnreadableRequest() const override { return unreadable_; }

 private:
  Raw* raw_;
  Status unreadable_;
};

// Parses one request with the nesting above (exposed for tests).
Status ParseRotateRequest(grpc::ByteBuffer& buffer, gnsi::certz::v1::RotateCertificateRequest* msg);

}  // namespace rotagent::certz
