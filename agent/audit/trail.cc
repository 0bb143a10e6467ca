#include "agent/audit/trail.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/audit/file_sink.h"
#include "agent/audit/journald_sink.h"

namespace rotagent::audit {
namespace {

struct Trail {
  std::mutex mu;
  Settings settings;
  std::vector<std::unique_ptr<Sink>> sinks;
};

Trail& TheTrail() {
  static Trail* t = [] {
    auto* trail = new Trail;  // never destroyed: records may come from threads still ending
    trail->sinks.push_back(std::make_unique<JournaldSink>());
    return trail;
  }();
  return *t;
}

}  // namespace

Status Configure(const Settings& s) {
  Trail& t = TheTrail();
  std::vector<std::unique_ptr<Sink>> sinks;
  if (s.journal) sinks.push_back(std::make_unique<JournaldSink>());
  if (!s.file.empty()) {
    auto file = FileSink::Open(s);
    if (!file.ok()) return file.status();
    sinks.push_back(std::move(*file));
  }
  std::lock_guard lock(t.mu);
  t.settings = s;
  t.sinks = std::move(sinks);
  return Status::Ok();
}

void Record(Event e) {
  if (e.time_ns == 0) {
    e.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  }
  const std::string json = ToJson(e);
  Trail& t = TheTrail();
  std::lock_guard lock(t.mu);
  for (auto& sink : t.sinks) sink->Write(e, json);
}

}  // namespace rotagent::audit
