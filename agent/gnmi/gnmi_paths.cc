#include "agent/gnmi/gnmi_paths.h"

#include <mutex>
#include <nlohmann/json.hpp>

namespace rotagent::gnmi_service {
namespace {

constexpr const char* kOc = "openconfig";
constexpr const char* kRot = "rotagent";

// The OpenConfig leaves of the registered credential kinds (SetKindLeaves).
struct KindLeaves {
  std::mutex mu;
  std::vector<state::Path> leaves;
};
KindLeaves& Kinds() {
  static KindLeaves k;
  return k;
}

// Every leaf of the agent itself, by name (keys do not matter here).
const std::vector<std::pair<std::string, state::Path>>& Schema() {
  static const auto schema = [] {
    std::vector<std::pair<std::string, state::Path>> s;
    auto add = [&](const char* origin, const std::string& base,
                   std::initializer_list<const char*> leaves) {
      for (const char* l : leaves) s.emplace_back(origin, state::ParsePath(base + l));
    };
    add(kRot, "/rotation/credentials/credential/state/",
        {"name", "type", "version", "created-on", "last-rotation-time", "not-before", "expire-time",
         "days-to-expiry", "expiry-status", "fingerprint", "subject", "synchronization-status",
         "last-error", "attempted-version"});
    add(kRot, "/rotation/agent/config/", {"admin-state"});
    add(kRot, "/rotation/agent/state/",
        {"admin-state", "build", "platform-kind", "platform-os", "platform-model"});
    add(kRot, "/rotation/agent/state/managed-account/", {"role"});
    add(kRot, "/rotation/agent/state/platform-capability/", {"supported"});
    return s;
  }();
  return schema;
}

}  // namespace

void SetKindLeaves(const std::vector<std::string>& openconfig_leaves) {
  std::vector<state::Path> parsed;
  parsed.reserve(openconfig_leaves.size());
  for (const auto& l : openconfig_leaves) parsed.push_back(state::ParsePath(l));
  std::lock_guard lock(Kinds().mu);
  Kinds().leaves = std::move(parsed);
}

Result<Pattern> Resolve(const gnmi::Path& prefix, const gnmi::Path& path) {
  // The deprecated string form (field 1), read by reflection to avoid the deprecated accessor.
  const auto* element = gnmi::Path::descriptor()->FindFieldByNumber(1);
  if (path.GetReflection()->FieldSize(path, element) > 0 ||
      prefix.GetReflection()->FieldSize(prefix, element) > 0) {
    return InvalidArgument("the deprecated string 'element' path form is not supported; use elem");
  }
  Pattern p;
  std::string origin = !path.origin().empty() ? path.origin() : prefix.origin();
  for (const auto* part : {&prefix, &path}) {
    for (const auto& e : part->elem()) {
      state::PathElem pe{e.name(), {e.key().begin(), e.key().end()}};
      p.path.push_back(std::move(pe));
    }
  }
  ROTAGENT_RETURN_IF_ERROR(state::CheckPattern(p.path));
  if (origin.empty()) {
    origin = !p.path.empty() && p.path.front().name == "rotation" ? kRot : kOc;
  }
  if (origin != kOc && origin != kRot) {
    return Status(Code::kUnimplemented, "origin '" + origin +
                                            "' is not served here; use "
                                            "'openconfig' or 'rotagent'");
  }
  p.origin = origin;
  for (const auto& [o, leaf] : Schema()) {
    if (o == origin && state::CouldMatch(p.path, leaf)) return p;
  }
  if (origin == kOc) {
    std::lock_guard lock(Kinds().mu);
    for (const auto& leaf : Kinds().leaves) {
      if (state::CouldMatch(p.path, leaf)) return p;
    }
  }
  return Status(Code::kUnimplemented, "path " + state::PathString(p.path) + " (origin " + origin +
                                          ") names nothing this agent reports");
}

gnmi::Path ToProto(const std::string& origin, const state::Path& path) {
  gnmi::Path out;
  out.set_origin(origin);
  for (const auto& e : path) {
    auto* pe = out.add_elem();
    pe->set_name(e.name);
    for (const auto& [k, v] : e.keys) (*pe->mutable_key())[k] = v;
  }
  return out;
}

Status CheckEncoding(gnmi::Encoding e) {
  if (e == gnmi::JSON || e == gnmi::JSON_IETF || e == gnmi::PROTO) return Status::Ok();
  return Status(Code::kUnimplemented, "encoding " + gnmi::Encoding_Name(e) +
                                          " is not supported; use JSON, JSON_IETF or PROTO");
}

gnmi::TypedValue ToTyped(const state::Value& v, gnmi::Encoding e) {
  gnmi::TypedValue out;
  if (e == gnmi::PROTO) {
    std::visit(
        [&out](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) out.set_string_val(x);
          if constexpr (std::is_same_v<T, uint64_t>) out.set_uint_val(x);
          if constexpr (std::is_same_v<T, int64_t>) out.set_int_val(x);
          if constexpr (std::is_same_v<T, bool>) out.set_bool_val(x);
        },
        v);
    return out;
  }
  // RFC 7951: 64-bit integers are JSON strings.
  nlohmann::json j = std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, uint64_t> || std::is_same_v<T, int64_t>) {
          return std::to_string(x);
        } else {
          return x;
        }
      },
      v);
  if (e == gnmi::JSON_IETF) {
    out.set_json_ietf_val(j.dump());
  } else {
    out.set_json_val(j.dump());
  }
  return out;
}

Result<std::string> StringOf(const gnmi::TypedValue& v) {
  switch (v.value_case()) {
    case gnmi::TypedValue::kStringVal:
      return v.string_val();
    case gnmi::TypedValue::kAsciiVal:
      return v.ascii_val();
    case gnmi::TypedValue::kJsonVal:
    case gnmi::TypedValue::kJsonIetfVal: {
      auto j = nlohmann::json::parse(
          v.value_case() == gnmi::TypedValue::kJsonVal ? v.json_val() : v.json_ietf_val(), nullptr,
          false);
      if (j.is_string()) return j.get<std::string>();
      return InvalidArgument("the value is not a JSON string");
    }
    default:
      return InvalidArgument("the value is not a string");
  }
}

}  // namespace rotagent::gnmi_service
