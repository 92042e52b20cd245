#include "catalog/catalogers/os_release.h"

#include <gtest/gtest.h>

namespace vigil::catalog {
namespace {

TEST(OsRelease, DebianAndQuoting) {
  Distro d = ParseOsRelease(
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
      "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n# comment\nbroken line\n");
  EXPECT_EQ(d.id, "debian");
  EXPECT_EQ(d.version_id, "12");
  EXPECT_EQ(d.version_codename, "bookworm");
  EXPECT_EQ(d.pretty_name, "Debian GNU/Linux 12 (bookworm)");
}

TEST(OsRelease, EscapesAndSingleQuotes) {
  Distro d = ParseOsRelease("ID='alpine'\nNAME=\"A \\\"quoted\\\" name\"\nVERSION_ID=3.19.1\n");
  EXPECT_EQ(d.id, "alpine");
  EXPECT_EQ(d.name, "A \"quoted\" name");
  EXPECT_EQ(d.version_id, "3.19.1");
}

TEST(OsRelease, Garbage) {
  Distro d = ParseOsRelease(std::string("\0\0=\n==\nID\n", 11));
  EXPECT_TRUE(d.id.empty());
}

}  // namespace
}  // namespace vigil::catalog
