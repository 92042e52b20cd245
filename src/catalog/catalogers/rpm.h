// RPM packages: the rpm database in its three on-disk formats, found at var/lib/rpm/ or
// usr/lib/sysimage/rpm/:
//   rpmdb.sqlite  SQLite (RHEL 9, Fedora 33+, CBL-Mariner), table Packages(hnum, blob);
//   Packages      Berkeley DB hash (RHEL/CentOS <= 8, Amazon Linux 2, old SUSE);
//   Packages.db   NDB, rpm's own format (SUSE: SLE 15 SP3 and later, openSUSE).
// Each format stores one "header blob" per installed package; ParseRpmHeader reads those.
// All input is treated as hostile: every offset and count is checked, and work and memory are
// bounded by the input size (plus the caps below), so malformed files yield errors, not crashes
// or hangs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"
#include "catalog/package.h"

namespace vigil::catalog {

// Caps on what one header may hold. Real headers stay far below them (the largest packages own
// ~100k files and a few MiB of header); rpm itself refuses 0x10000 or more index entries and
// 256 MiB or more of data.
inline constexpr uint32_t kRpmMaxIndexEntries = 0xffff;
inline constexpr uint32_t kRpmMaxDataSize = (256u << 20) - 1;
inline constexpr size_t kRpmMaxFilesPerPackage = 1u << 20;
// Paths are rebuilt from shared directory names, so a small header can describe a lot of text;
// these bound the bytes of rebuilt paths per package and per database.
inline constexpr size_t kRpmMaxFileBytesPerPackage = 64u << 20;
inline constexpr size_t kRpmMaxFileBytesPerDb = 256u << 20;
// Packages per database; real systems have a few thousand.
inline constexpr size_t kRpmMaxPackages = 1u << 18;

// The fields vigil reads from one rpm header. Strings are "" when the tag is absent.
struct RpmHeader {
  std::string name;               // NAME (1000)
  std::string version;            // VERSION (1001)
  std::string release;            // RELEASE (1002)
  std::optional<uint32_t> epoch;  // EPOCH (1003)
  std::string summary;            // SUMMARY (1004), first locale
  std::optional<uint64_t> size;   // LONGSIZE (5009), else SIZE (1009): installed bytes
  std::string license;            // LICENSE (1014)
  std::string vendor;             // VENDOR (1011)
  std::string arch;               // ARCH (1022)
  std::string source_rpm;         // SOURCERPM (1044), e.g. "bash-5.1.8-6.el9.src.rpm"
  std::string modularity_label;   // MODULARITYLABEL (5096)
  std::string sigmd5;             // SIGMD5 (261) as lower-case hex
  // Files the package owns (DIRNAMES/DIRINDEXES/BASENAMES, or the old FILENAMES list), relative
  // to the root: the leading '/' removed, the root itself ("/") left out.
  std::vector<std::string> files;
};

// Parses one header blob as an rpm database stores it: big-endian index count il and data size
// dl, il 16-byte index entries (tag, type, offset, count), then the dl-byte data store (no lead
// and no 8-byte header magic). kCorrupt, saying which entry or tag and which offset, when il or
// dl exceed rpm's own limits (above), the blob size is not 8 + 16*il + dl, any entry has an
// unknown type or points outside the data store, a value the fields above need runs past it (a
// string without its NUL, a directory index out of range), a tag has an unexpected type, or NAME
// or VERSION is missing. kLimitExceeded when the file list holds more than
// kRpmMaxFilesPerPackage names or its rebuilt paths exceed `max_file_bytes`; with
// `max_file_bytes` 0 the file list is not read at all. Tags that occur twice take the later
// entry (rpm's "dribble" entries override the immutable region).
Result<RpmHeader> ParseRpmHeader(std::string_view blob, size_t max_file_bytes = kRpmMaxFileBytesPerPackage);

// The on-disk format of an rpm database, told apart by magic numbers.
enum class RpmDbFormat { kUnknown, kSqlite, kBerkeleyDb, kNdb };

// "SQLite format 3\0" at 0 -> kSqlite; "RpmP" at 0 -> kNdb; the Berkeley DB hash magic 0x061561
// at offset 12 (either byte order) -> kBerkeleyDb; anything else -> kUnknown.
RpmDbFormat DetectRpmDbFormat(std::string_view bytes);

// Called once per package header blob with the record's instance number (BDB key, NDB package
// index, SQLite hnum). `blob` is valid only during the call.
using RpmBlobVisitor = std::function<void(uint32_t instance, std::string_view blob)>;

// Finds every header blob in an rpm database file of any of the three formats and passes it to
// `visit`, in storage order. Nothing is written anywhere (SQLite reads from memory). Damage that
// leaves the rest readable (a broken overflow chain, a bad slot, a blob with a wrong checksum)
// skips that record and carries on; the returned Status is then the first such error (kCorrupt,
// saying what and where, with a count of further errors). kCorrupt for an empty or unrecognised
// file; kUnsupported for well-formed variants vigil does not read (encrypted or checksummed
// Berkeley DB, NDB versions other than 0).
Status ForEachRpmHeaderBlob(std::string_view db, const RpmBlobVisitor& visit);

// Turns a header into a Package: type "rpm", version "version-release", epoch as decimal (""
// when absent), source_name/source_version from SOURCERPM ("bash-5.1.8-6.el9.src.rpm" -> "bash",
// "5.1.8-6.el9"; left empty when SOURCERPM is absent or not of that form), licenses {LICENSE}
// when set, files, and properties "rpm:vendor" and "rpm:modularitylabel" when non-empty.
Package RpmHeaderToPackage(RpmHeader header);

// Reads an rpm database of any format and appends its packages to `out` in instance (install)
// order. The "gpg-pubkey" pseudo-packages rpm uses to store imported signing keys are left out:
// they are keys, not software. A record that fails to parse is skipped and the others are still
// appended; the returned Status is then the first error, as for ForEachRpmHeaderBlob (which
// also gives the errors for the container). When the files of all packages together exceed
// kRpmMaxFileBytesPerDb, the packages past that point are kept without files and the Status is
// kLimitExceeded; so it is when the database holds more than kRpmMaxPackages packages (the
// first ones are kept).
Status ParseRpmDb(std::string_view db, std::vector<Package>& out);

// Reads var/lib/rpm/{rpmdb.sqlite,Packages,Packages.db} and the same names under
// usr/lib/sysimage/rpm/.
std::unique_ptr<Cataloger> NewRpmCataloger();

}  // namespace vigil::catalog
