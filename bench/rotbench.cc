// rotbench: runs every whole-process benchmark and prints each figure with its target, as a
// table and as JSON (--json FILE). Needs root: accounts and agents live in private mount
// namespaces. `--quick` shrinks every count (and the idle measurement) for a smoke run.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/bench.h"
#include "tests/support/account_sandbox.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using rotagent::bench::Report;
  bool quick = false;
  std::string only;        // empty: every scenario
  std::vector<int> fleet;  // empty: 50,100,200 (5,10 with --quick)
  std::string json_path = "rotbench.json";
  constexpr const char* kUsage =
      "usage: rotbench [--quick] [--only single|certz|bundles|hotswap|footprint|fleet|limits]\n"
      "                [--fleet N,N,...] [--json FILE]   (as root)\n";
  auto usage_error = [&](const std::string& why) {
    std::cerr << "rotbench: " << why << "\n" << kUsage;
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--json" && has_value) {
      json_path = argv[++i];
    } else if (a == "--only" && has_value) {
      only = argv[++i];
      if (only != "single" && only != "certz" && only != "bundles" && only != "hotswap" &&
          only != "footprint" && only != "fleet" && only != "limits") {
        return usage_error("--only: unknown scenario '" + only + "'");
      }
    } else if (a == "--fleet" && has_value) {
      fleet.clear();
      std::istringstream sizes(argv[++i]);
      for (std::string n; std::getline(sizes, n, ',');) {
        const int size = std::atoi(n.c_str());
        if (size <= 0) return usage_error("--fleet: '" + n + "' is not a device count");
        fleet.push_back(size);
      }
    } else {
      return usage_error("unknown or incomplete argument '" + a + "'");
    }
  }
  const fs::path scratch = fs::temp_directory_path() / ("rotbench-" + std::to_string(getpid()));
  fs::create_directories(scratch);
  rotagent::testing::EnterAccountSandbox(scratch);
  rotagent::testing::AddAccount("benchuser", "Bench+initial1", scratch / "home");
  Report r;
  try {
    auto wanted = [&](const char* name, const char* what) {
      if (!only.empty() && only != name) return false;
      std::cerr << "rotbench: " << what << "\n";
      return true;
    };
    if (wanted("single", "single device")) {
      rotagent::bench::SingleDevice(r, scratch.string(), quick ? 10 : 100);
    }
    if (wanted("certz", "certz rotation in parts")) {
      rotagent::bench::CertzParts(r, scratch.string(), quick ? 10 : 100);
    }
    if (wanted("bundles", "certz trust bundles of 1, 1,000 and 20,000 CAs")) {
      rotagent::bench::BundleScale(r, scratch.string(), {1, 1000, 20000}, quick ? 20 : 200);
    }
    if (wanted("hotswap", "hot swap under load")) {
      rotagent::bench::HotSwap(r, scratch.string(), quick ? 10 : 100);
    }
    if (wanted("footprint", "footprint")) {
      rotagent::bench::Footprint(r, scratch.string(), quick ? 5 : 60, quick ? 50 : 1000);
    }
    if (wanted("limits", "resource limits under attack")) {
      rotagent::bench::Limits(r, scratch.string(), quick ? 100 : 1000, quick ? 500 : 2000);
    }
    if (wanted("fleet", "fleet")) {
      if (fleet.empty()) fleet = quick ? std::vector<int>{5, 10} : std::vector<int>{50, 100, 200};
      rotagent::bench::Fleet(r, scratch.string(), fleet);
    }
  } catch (const std::exception& e) {
    std::cerr << "rotbench: " << e.what() << "\n";
    return 1;
  }
  size_t width = 0;
  for (const auto& f : r.figures) width = std::max(width, f.name.size());
  nlohmann::json out = nlohmann::json::array();
  bool all_met = true;
  std::printf("%-*s  %12s  %-6s  %-16s  %s\n", static_cast<int>(width), "FIGURE", "VALUE", "UNIT",
              "TARGET", "MET");
  for (const auto& f : r.figures) {
    std::printf("%-*s  %12.2f  %-6s  %-16s  %s\n", static_cast<int>(width), f.name.c_str(), f.value,
                f.unit.c_str(), f.target.c_str(), f.target.empty() ? "" : (f.met ? "yes" : "NO"));
    out.push_back({{"figure", f.name},
                   {"value", f.value},
                   {"unit", f.unit},
                   {"target", f.target},
                   {"met", f.met}});
    all_met = all_met && f.met;
  }
  std::ofstream(json_path) << out.dump(2) << "\n";
  std::cout << "JSON: " << json_path << "\n";
  fs::remove_all(scratch);
  return all_met ? 0 : 3;
}
