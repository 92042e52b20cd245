// WriteFileAtomic: a regular file replaced whole; a device or FIFO written in place, never
// replaced (a root user's `vigil sbom IMG -o /dev/null` once turned /dev/null into a file).
#include "common/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "../test_util.h"

namespace vigil {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteFileAtomic, ReplacesARegularFile) {
  testing::ScopedTempDir dir;
  std::string path = dir.str() + "/out.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first, longer").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second").ok());
  EXPECT_EQ(Slurp(path), "second");
}

TEST(WriteFileAtomic, WritesDevicesAndFifosInPlace) {
  struct stat before;
  ASSERT_EQ(stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  Status st = WriteFileAtomic("/dev/null", "discarded");
  EXPECT_TRUE(st.ok()) << st.error().ToString();
  struct stat after;
  ASSERT_EQ(stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << "/dev/null was replaced";
  EXPECT_EQ(after.st_ino, before.st_ino);

  testing::ScopedTempDir dir;
  std::string fifo = dir.str() + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = Slurp(fifo); });
  EXPECT_TRUE(WriteFileAtomic(fifo, "through the pipe").ok());
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  struct stat f;
  ASSERT_EQ(stat(fifo.c_str(), &f), 0);
  EXPECT_TRUE(S_ISFIFO(f.st_mode));

  Status folder = WriteFileAtomic(dir.str(), "x");
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().message().find("folder"), std::string::npos) << folder.error().ToString();
}

}  // namespace
}  // namespace vigil
