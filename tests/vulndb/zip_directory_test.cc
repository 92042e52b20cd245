// The zip central-directory reader (src/vulndb/internal/zip_directory.h): what honest archives
// declare, and damaged or lying directories refused with a reason, never read out of bounds.
#include "vulndb/internal/zip_directory.h"

#include <gtest/gtest.h>

#include <string>

#include "zip_util.h"

namespace vigil::vulndb {
namespace {

void PutLe(std::string* s, size_t pos, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) (*s)[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(ZipDirectory, ReadsWhatTheArchiveDeclares) {
  std::string zip = test::MakeZip({{"a.json", std::string(1000, 'a')}, {"dir/", ""}, {"b.yaml", "x: 1"}});
  auto d = ReadZipDirectory(zip, 10);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->declared_entries, 3u);
  ASSERT_EQ(d->entries.size(), 3u);
  EXPECT_EQ(d->entries[0].name, "a.json");
  EXPECT_EQ(d->entries[0].uncompressed, 1000u);
  EXPECT_LT(d->entries[0].compressed, 1000u);
  EXPECT_TRUE(d->entries[1].directory);
  EXPECT_EQ(d->total_uncompressed, 1004u);

  auto limited = ReadZipDirectory(zip, 2);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(limited.error().message(), "the zip declares 3 entries, more than the limit of 2");
}

TEST(ZipDirectory, DamagedOrLyingDirectoriesAreRefused) {
  std::string zip = test::MakeZip({{"a.json", "{}"}, {"b.json", "{}"}});
  size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(end, std::string::npos);

  struct Case {
    std::string data;
    const char* error;
  };
  std::vector<Case> cases;
  cases.push_back({"", "shorter than an end-of-central-directory record"});
  cases.push_back({zip.substr(0, zip.size() - 5), "no end-of-central-directory record"});
  {
    std::string z = zip;  // the directory's offset beyond the file
    PutLe(&z, end + 16, 0xFFFFFFF0u, 4);
    cases.push_back({z, "lies outside the file"});
  }
  {
    std::string z = zip;  // more entries than the directory's bytes can hold
    PutLe(&z, end + 10, 9000, 2);
    PutLe(&z, end + 8, 9000, 2);
    cases.push_back({z, "declares 9000 entries in a central directory of"});
  }
  {
    std::string z = zip;  // the second entry's signature broken
    size_t cd = static_cast<size_t>(static_cast<unsigned char>(z[end + 16])) |
                static_cast<size_t>(static_cast<unsigned char>(z[end + 17])) << 8 |
                static_cast<size_t>(static_cast<unsigned char>(z[end + 18])) << 16;
    size_t second = z.find(std::string("PK\x01\x02", 4), cd + 4);
    ASSERT_NE(second, std::string::npos);
    z[second] = 'X';
    cases.push_back({z, "zip central directory entry 1 is damaged"});
  }
  {
    std::string z = zip;  // a name length running past the directory
    size_t cd = z.find(std::string("PK\x01\x02", 4));
    PutLe(&z, cd + 28, 0xFFFF, 2);
    cases.push_back({z, "zip central directory entry 0 runs past the directory"});
  }
  {
    std::string z = zip;  // zip64 markers with no zip64 record
    PutLe(&z, end + 16, 0xFFFFFFFFu, 4);
    cases.push_back({z, "lies outside the file"});
  }
  for (const auto& c : cases) {
    auto d = ReadZipDirectory(c.data, 100000);
    ASSERT_FALSE(d.ok()) << c.error;
    EXPECT_EQ(d.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(d.error().message().find(c.error), std::string::npos) << d.error().message();
  }
}

}  // namespace
}  // namespace vigil::vulndb
