#include "common/secret.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

namespace rotagent {
namespace {

// Printing a Secret must not compile: no operator<<, no conversion to a string.
template <typename T, typename = void>
struct Printable : std::false_type {};
template <typename T>
struct Printable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<T>())>>
    : std::true_type {};

static_assert(!Printable<Secret>::value);
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_copy_constructible_v<Secret> && !std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);

TEST(SecretTest, TakesAndCleansItsSource) {
  std::string source = "a short one";  // in the string's inline buffer
  const char* inline_bytes = source.data();
  Secret s(std::move(source));
  EXPECT_EQ(s.reveal(), "a short one");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(std::string(inline_bytes, 11), std::string(11, '\0'));  // no residue left behind
}

TEST(SecretTest, MoveLeavesTheSourceEmptyAndCleanseEmpties) {
  Secret a(std::string(100, 'k'));
  Secret b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.size(), 100U);
  Secret c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.reveal(), std::string(100, 'k'));
  c.Cleanse();
  EXPECT_TRUE(c.empty());
  std::vector<Secret> v;
  v.emplace_back(std::string("x"));
  v.emplace_back(std::string("y"));  // reallocation moves them
  EXPECT_EQ(v[0].reveal(), "x");
}

}  // namespace
}  // namespace rotagent
