#include <gtest/gtest.h>

#include "agent/state/path.h"
#include "agent/state/tree.h"

namespace rotagent::state {
namespace {

TEST(Path, WildcardsCoverWhatTheyShould) {
  const Path leaf = ParsePath("/a/list[k=x/y]/state/v");
  EXPECT_EQ(PathString(leaf), "/a/list[k=x/y]/state/v");
  EXPECT_TRUE(Covers(ParsePath("/a"), leaf));
  EXPECT_TRUE(Covers(ParsePath("/a/list[k=*]/state/v"), leaf));
  EXPECT_TRUE(Covers(ParsePath("/a/*/state"), leaf));
  EXPECT_TRUE(Covers(ParsePath("/.../v"), leaf));
  EXPECT_TRUE(Covers(ParsePath("/a/..."), leaf));
  EXPECT_FALSE(Covers(ParsePath("/a/list[k=z]"), leaf));
  EXPECT_FALSE(Covers(ParsePath("/a/list/state/v/deeper"), leaf));
  EXPECT_TRUE(CouldMatch(ParsePath("/a/list[k=not-yet]/state"), leaf));
  EXPECT_FALSE(CouldMatch(ParsePath("/b"), leaf));
  EXPECT_EQ(CheckPattern({{"a", {}}, {"", {}}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckPattern({{"...", {{"k", "v"}}}}).code(), Code::kInvalidArgument);
}

TEST(Tree, ReportsOnlyWhatChangedAndWhatDisappeared) {
  Tree t;
  t.Replace({{"o", ParsePath("/a/x"), std::string("1"), 0}, {"o", ParsePath("/a/y"), true, 0}});
  const uint64_t g1 = t.generation();
  t.Replace({{"o", ParsePath("/a/x"), std::string("1"), 0}, {"o", ParsePath("/a/y"), true, 0}});
  EXPECT_EQ(t.generation(), g1);  // nothing changed, nothing to wake anyone for
  t.Replace({{"o", ParsePath("/a/x"), std::string("2"), 0}});
  auto c = t.Since(g1, "o", {ParsePath("/a")});
  ASSERT_EQ(c.updated.size(), 1u);
  EXPECT_EQ(std::get<std::string>(c.updated[0].value), "2");
  ASSERT_EQ(c.deleted.size(), 1u);
  EXPECT_EQ(PathString(c.deleted[0].path), "/a/y");
  EXPECT_TRUE(t.Since(t.generation(), "o", {ParsePath("/a")}).updated.empty());
  EXPECT_TRUE(t.Snapshot("other", ParsePath("/")).empty());
}

TEST(PathTest, MalformedKeysEndAndAreRefused) {
  // Found by fuzz_gnmi_path: an unclosed '[' used to restart parsing from the start, forever.
  for (const char* text : {"/a/b[k", "/a/b[k]", "/a/b[=v]", "/a/b[k=v][", "/a[k=v"}) {
    const Path p = ParsePath(text);
    EXPECT_FALSE(CheckPattern(p).ok()) << text;
  }
  EXPECT_TRUE(CheckPattern(ParsePath("/a/b[k=v]/c")).ok());
}

}  // namespace
}  // namespace rotagent::state
