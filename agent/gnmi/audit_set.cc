#include "agent/gnmi/audit_set.h"

#include "agent/gnmi/gnmi_paths.h"

namespace rotagent::gnmi_service {
namespace {

constexpr size_t kMaxValue = 128;  // a refused Set may carry anything; keep records small

std::string Text(const gnmi::Path& prefix, const gnmi::Path& path) {
  std::string out;
  for (const gnmi::Path* p : {&prefix, &path}) {
    for (const auto& e : p->elem()) {
      out += "/" + e.name();
      for (const auto& [k, v] : e.key()) out += "[" + k + "=" + v + "]";
    }
  }
  return out.empty() ? "/" : out;
}

void Append(std::string& list, const std::string& item) {
  list += (list.empty() ? "" : ", ") + item;
}

}  // namespace

AuditSetTarget AuditOf(const gnmi::SetRequest& req) {
  AuditSetTarget out;
  for (const auto& d : req.delete_()) Append(out.paths, "delete " + Text(req.prefix(), d));
  for (const auto* list : {&req.replace(), &req.update()}) {
    for (const auto& u : *list) {
      Append(out.paths, Text(req.prefix(), u.path()));
      auto value = StringOf(u.val());
      std::string v = value.ok() ? *value : "?";
      if (v.size() > kMaxValue) v = v.substr(0, kMaxValue) + "...";
      Append(out.values, v);
    }
  }
  return out;
}

}  // namespace rotagent::gnmi_service
