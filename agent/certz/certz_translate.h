// Protobuf <-> domain conversions for certz. Errors name the offending field.
#pragma once

#include <vector>

#include "agent/certz/csr.h"
#include "agent/certz/upload.h"
#include "gnsi/certz/v1/certz.pb.h"

namespace rotagent::certz {

Result<CsrSuite> SuiteFromProto(gnsi::certz::v1::CSRSuite suite);
CsrSubject SubjectFromProto(const gnsi::certz::v1::CSRParams& params);
Result<std::vector<EntityUpload>> UploadFromProto(const gnsi::certz::v1::UploadRequest& req);

}  // namespace rotagent::certz
