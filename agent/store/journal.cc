#include "agent/store/journal.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace rotagent::store {
namespace fs = std::filesystem;
using nlohmann::json;

Journal::Journal(fs::path dir) : dir_(std::move(dir)) {}

Status Journal::Init() { return MakeDirs(dir_, 0700); }

Status Journal::Write(const JournalEntry& e) {
  json items = json::array();
  for (const auto& i : e.items) {
    items.push_back(
        {{"domain", i.domain}, {"id", i.id}, {"previous", i.previous}, {"candidate", i.candidate}});
  }
  json j = {{"name", e.name}, {"items", items}, {"committing", e.committing}};
  return WriteFileAtomic(dir_ / (e.name + ".json"), j.dump(), 0600);
}

Status Journal::Remove(const std::string& name) {
  std::error_code ec;
  fs::remove(dir_ / (name + ".json"), ec);
  if (ec) return Internal("cannot close the journal of '" + name + "': " + ec.message());
  return FsyncDir(dir_);
}

std::vector<JournalEntry> Journal::List() const {
  std::vector<JournalEntry> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir_, ec)) {
    if (f.path().extension() != ".json") continue;
    auto text = ReadFile(f.path());
    if (!text.ok()) continue;
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) continue;  // a torn write cannot happen; a foreign file is ignored
    JournalEntry e{j.value("name", ""), {}, j.value("committing", false)};
    for (const auto& i : j.value("items", json::array())) {
      e.items.push_back({i.value("domain", ""), i.value("id", ""), i.value("previous", ""),
                         i.value("candidate", "")});
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace rotagent::store
