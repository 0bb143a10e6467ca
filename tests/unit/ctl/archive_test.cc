// The archive of issued certificates: retention follows the fabric's label order (resync labels
// "v<N>-r<M>" included), and a leaf the device refused is kept but marked, so the device status
// never points at it.
#include "ctl/archive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::ctl {
namespace {
namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  ArchiveTest()
      : dir_(fs::temp_directory_path() / ("rotctl-archive-" + std::to_string(getpid()))),
        ca_(std::move(*x509::Issue({.common_name = "root", .is_ca = true, .lifetime = 86400},
                                   nullptr, nullptr))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~ArchiveTest() override { fs::remove_all(dir_); }

  // A fresh leaf (its own key, so its own fingerprint) archived for leaf1/gnsi/`version`.
  std::string Record(const Archive& a, const std::string& version) {
    auto leaf = x509::Issue({.common_name = "leaf1", .dns_names = {"leaf1"}, .lifetime = 3600},
                            ca_.cert.get(), ca_.key.get());
    EXPECT_TRUE(leaf.ok());
    const Status s = a.Record({.device = "leaf1",
                               .profile = "gnsi",
                               .version = version,
                               .operation = "op-" + version,
                               .chain_pem = x509::CertToPem(leaf->cert.get())});
    EXPECT_TRUE(s.ok()) << s.message();
    return x509::Fingerprint(leaf->cert.get());
  }
  std::vector<std::string> Versions(const Archive& a) {
    std::vector<std::string> out;
    auto all = a.List("leaf1");
    EXPECT_TRUE(all.ok());
    for (const auto& e : *all) out.push_back(e.version);
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  x509::Issued ca_;
};

TEST_F(ArchiveTest, RetentionKeepsTheNewestLabelsInTheFabricsOrder) {
  const Archive a(dir_, 2);
  // v1, then its resyncs (r10 after r2), then v2: the two newest are v1-r10 and v2.
  for (const char* v : {"v1", "v1-r1", "v1-r2", "v1-r10"}) Record(a, v);
  EXPECT_EQ(Versions(a), (std::vector<std::string>{"v1-r10", "v1-r2"}));
  Record(a, "v2");
  EXPECT_EQ(Versions(a), (std::vector<std::string>{"v1-r10", "v2"}));
  // A resync of v2 pushes out the last resync of v1, not v2.
  Record(a, "v2-r1");
  EXPECT_EQ(Versions(a), (std::vector<std::string>{"v2", "v2-r1"}));
}

TEST_F(ArchiveTest, ARefusedLeafIsKeptMarkedAndNamedAsNotInstalled) {
  const Archive a(dir_, 10);
  const std::string installed = Record(a, "v3");
  const std::string refused = Record(a, "v3");  // a retry's leaf for the same label
  ASSERT_TRUE(a.MarkNotInstalled("leaf1", "gnsi", "v3", refused, "version v3 already exists").ok());
  auto found = a.Find("leaf1", "gnsi", "v3");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  for (const auto& e : *found) {
    if (e.fingerprint == refused) {
      EXPECT_EQ(e.not_installed, "version v3 already exists");
      EXPECT_EQ(ArchiveEntryJson(e, false)["notInstalled"], "version v3 already exists");
    } else {
      EXPECT_EQ(e.fingerprint, installed);
      EXPECT_TRUE(e.not_installed.empty());
      EXPECT_FALSE(ArchiveEntryJson(e, false).contains("notInstalled"));
    }
  }
  // Nothing by that fingerprint, or a name that is not one: refused, nothing written.
  EXPECT_FALSE(a.MarkNotInstalled("leaf1", "gnsi", "v4", refused, "x").ok());
  EXPECT_EQ(a.MarkNotInstalled("../leaf1", "gnsi", "v3", refused, "x").code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::ctl
