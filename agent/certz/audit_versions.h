// Versions of a certz profile as the audit trail records them: "certificate chain=v2, trust
// bundle=t1" (what the controller named them; no material).
#pragma once

#include <string>
#include <vector>

#include "agent/certz/material.h"
#include "agent/certz/upload.h"

namespace rotagent::certz {

std::string AuditVersions(const ProfileMaterial& m);
std::string AuditVersions(const std::vector<EntityUpload>& uploads);

}  // namespace rotagent::certz
