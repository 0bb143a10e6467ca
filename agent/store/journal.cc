#include "agent/store/journal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <tuple>

#include "common/atomic_file.h"

namespace rotagent::store {
namespace fs = std::filesystem;
using nlohmann::json;

std::string NewEntryName(const std::string& service) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return service + "." + std::to_string(ns) + "." + std::to_string(rng() % 1000000000);
}

Journal::Journal(fs::path dir) : dir_(std::move(dir)) {}

Status Journal::Init() { return MakeDirs(dir_, 0700); }

namespace {

std::string EntryText(const JournalEntry& e) {
  json items = json::array();
  for (const auto& i : e.items) {
    items.push_back(
        {{"domain", i.domain}, {"id", i.id}, {"previous", i.previous}, {"candidate", i.candidate}});
  }
  json j = {
      {"name", e.name}, {"items", items}, {"committing", e.committing}, {"opened_ns", e.opened_ns}};
  return j.dump();
}

}  // namespace

Status Journal::Write(const JournalEntry& e) {
  return WriteFileAtomic(dir_ / (e.name + ".json"), EntryText(e), 0600);
}

Result<fs::path> Journal::Prepare(const JournalEntry& e) {
  const fs::path tmp = AtomicTempPath(dir_ / (e.name + ".json"));
  ROTAGENT_RETURN_IF_ERROR(WriteNewFileUnsynced(tmp, EntryText(e), 0600));
  return tmp;
}

Status Journal::Publish(const fs::path& prepared, const JournalEntry& e) {
  return RenameIntoPlaceUnsynced(prepared, dir_ / (e.name + ".json"));
}

Status Journal::Remove(const std::string& name) {
  std::error_code ec;
  fs::remove(dir_ / (name + ".json"), ec);
  if (ec) return Internal("cannot close the journal of '" + name + "': " + ec.message());
  return FsyncDir(dir_);
}

Status Journal::Close(const std::string& name) {
  std::error_code ec;
  fs::remove(dir_ / (name + ".json"), ec);
  if (ec) return Internal("cannot close the journal of '" + name + "': " + ec.message());
  return Status::Ok();
}

std::vector<JournalEntry> Journal::List() const {
  std::vector<JournalEntry> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir_, ec)) {
    if (f.path().extension() != ".json") continue;
    auto text = ReadFile(f.path());
    if (!text.ok()) continue;
    if (text->find_first_not_of('\0') == std::string::npos) {
      // An entry's first write and its slot are flushed together, before anything else changes:
      // a crash before that flush may leave its name without its bytes, and nothing to undo.
      spdlog::warn("journal entry {} is empty: its transaction changed nothing before a crash",
                   f.path().string());
      fs::remove(f.path(), ec);
      continue;
    }
    json j = json::parse(*text, nullptr, false);
    try {
      if (!j.is_object()) throw std::invalid_argument("not a JSON object");
      JournalEntry e{
          j.value("name", ""), {}, j.value("committing", false), j.value("opened_ns", int64_t{0})};
      // Stale blocks a crash put under a new name (filesystems that do not order data first).
      if (e.name != f.path().stem().string()) throw std::invalid_argument("names another entry");
      for (const auto& i : j.value("items", json::array())) {
        e.items.push_back({i.value("domain", ""), i.value("id", ""), i.value("previous", ""),
                           i.value("candidate", "")});
      }
      out.push_back(std::move(e));
    } catch (const std::exception& ex) {
      // Not the agent's writing (a crash leaves an entry whole or empty): left in place for a
      // person to look at, never allowed to stop the agent from starting.
      spdlog::error("journal entry {} is unreadable and was not recovered: {}", f.path().string(),
                    ex.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const JournalEntry& a, const JournalEntry& b) {
    return std::tie(a.opened_ns, a.name) < std::tie(b.opened_ns, b.name);
  });
  return out;
}

}  // namespace rotagent::store
