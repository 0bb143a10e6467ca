#include "agent/authz/methods.h"

#include <algorithm>

namespace rotagent::authz {
namespace {

// "/svc/Method" -> "svc".
std::string ServiceOf(const std::string& method) {
  const auto slash = method.find('/', 1);
  return method.substr(1, slash - 1);
}

std::vector<std::string> KnownServices() {
  std::vector<std::string> out;
  for (const auto& m : KnownMethods()) {
    if (std::find(out.begin(), out.end(), ServiceOf(m)) == out.end()) out.push_back(ServiceOf(m));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& KnownMethods() {
  // Kept in step with the protos by MethodsTest in tests/unit/agent/authz/authorizer_test.cc.
  static const std::vector<std::string> kMethods = {
      "/gnsi.certz.v1.Certz/Rotate",
      "/gnsi.certz.v1.Certz/AddProfile",
      "/gnsi.certz.v1.Certz/DeleteProfile",
      "/gnsi.certz.v1.Certz/GetProfileList",
      "/gnsi.certz.v1.Certz/CanGenerateCSR",
      "/gnsi.certz.v1.Certz/GetIntegrityManifest",
      "/gnsi.credentialz.v1.Credentialz/RotateAccountCredentials",
      "/gnsi.credentialz.v1.Credentialz/RotateHostParameters",
      "/gnsi.credentialz.v1.Credentialz/CanGenerateKey",
      "/gnsi.credentialz.v1.Credentialz/GetPublicKeys",
      "/gnsi.authz.v1.Authz/Rotate",
      "/gnsi.authz.v1.Authz/Probe",
      "/gnsi.authz.v1.Authz/Get",
      "/gnmi.gNMI/Capabilities",
      "/gnmi.gNMI/Get",
      "/gnmi.gNMI/Set",
      "/gnmi.gNMI/Subscribe",
  };
  return kMethods;
}

Status CheckRuleKey(const std::string& key) {
  const auto& methods = KnownMethods();
  if (std::find(methods.begin(), methods.end(), key) != methods.end()) return Status::Ok();
  const auto services = KnownServices();
  const auto is_service = [&](const std::string& s) {
    return std::find(services.begin(), services.end(), s) != services.end();
  };
  if (is_service(key)) return Status::Ok();
  if (key.size() > 3 && key.front() == '/' && key.substr(key.size() - 2) == "/*" &&
      is_service(key.substr(1, key.size() - 3))) {
    return Status::Ok();
  }
  std::string served;
  for (const auto& s : services) served += (served.empty() ? "" : ", ") + s;
  if (!key.empty() && key.front() == '/') {
    return InvalidArgument("'" + key +
                           "' is not a served method; expected /<service>/<Method> or "
                           "/<service>/* with a service among " +
                           served);
  }
  return InvalidArgument("'" + key + "' is not a served service; expected one of " + served +
                         ", /<service>/<Method> or /<service>/*");
}

std::vector<std::string> KeysFor(const std::string& method) {
  const std::string service = ServiceOf(method);
  return {method, "/" + service + "/*", service};
}

}  // namespace rotagent::authz
