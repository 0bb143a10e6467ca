#include "agent/certz/rotate_request_stream.h"

#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

namespace rotagent::certz {

Status ParseRotateRequest(grpc::ByteBuffer& buffer,
                          gnsi::certz::v1::RotateCertificateRequest* msg) {
  grpc::ProtoBufferReader reader(&buffer);
  if (!reader.status().ok()) {
    return InvalidArgument("cannot read the request: " + reader.status().error_message());
  }
  google::protobuf::io::CodedInputStream in(&reader);
  in.SetRecursionLimit(kMaxRequestNesting);
  if (!msg->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    msg->Clear();
    return InvalidArgument(
        "request is not a valid RotateCertificateRequest, or nests messages deeper than " +
        std::to_string(kMaxRequestNesting) +
        " (a trust bundle sent as a parent chain holds at most " +
        std::to_string(kMaxParentChainCertificates) +
        " certificates; send larger bundles as trust_bundle_pkcs7 or one multi-PEM certificate)");
  }
  return Status::Ok();
}

bool RotateRequestStream::Read(gnsi::certz::v1::RotateCertificateRequest* msg) {
  grpc::ByteBuffer buffer;
  if (!raw_->Read(&buffer)) return false;
  unreadable_ = ParseRotateRequest(buffer, msg);
  return unreadable_.ok();
}

bool RotateRequestStream::Write(const gnsi::certz::v1::RotateCertificateResponse& msg,
                                grpc::WriteOptions options) {
  grpc::ByteBuffer buffer;
  bool own = false;
  if (!grpc::SerializationTraits<gnsi::certz::v1::RotateCertificateResponse>::Serialize(
           msg, &buffer, &own)
           .ok()) {
    return false;
  }
  return raw_->Write(buffer, options);
}

}  // namespace rotagent::certz
