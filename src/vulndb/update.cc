#include "vulndb/update.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>

#include "common/file.h"
#include "vulndb/internal/archive_util.h"

namespace vigil::vulndb {

namespace {

namespace fs = std::filesystem;

bool IsSingleFile(std::string_view s) {
  for (std::string_view suffix : {".zip", ".json", ".jsonl", ".yaml", ".yml", ".csv"}) {
    if (s.ends_with(suffix)) return true;
  }
  return false;
}

uint64_t LittleEndian(std::string_view d, size_t pos, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(d[pos + i])} << (8 * i);
  return v;
}

// The number of entries the zip's end-of-central-directory record declares, found where the
// format puts it: in the last 64 KiB + 22 bytes, with a comment length that reaches exactly
// the end of the file (zip64 records followed when the count overflows 16 bits). kCorrupt when
// there is none: an archive cut short has lost it.
Result<uint64_t> DeclaredEntries(std::string_view d) {
  if (d.size() < 22) return Corrupt("not a zip archive: shorter than an end-of-central-directory record");
  size_t lowest = d.size() > 65557 ? d.size() - 65557 : 0;
  for (size_t pos = d.size() - 22 + 1; pos-- > lowest;) {
    if (LittleEndian(d, pos, 4) != 0x06054b50 || pos + 22 + LittleEndian(d, pos + 20, 2) != d.size()) continue;
    uint64_t count = LittleEndian(d, pos + 10, 2);
    if (count != 0xFFFF) return count;
    // Zip64: the locator sits right before the record and points at the zip64 record.
    if (pos < 20 || LittleEndian(d, pos - 20, 4) != 0x07064b50) break;
    uint64_t z64 = LittleEndian(d, pos - 20 + 8, 8);
    if (z64 + 56 > d.size() || LittleEndian(d, static_cast<size_t>(z64), 4) != 0x06064b50) break;
    return LittleEndian(d, static_cast<size_t>(z64) + 32, 8);
  }
  return Corrupt(
      "not a complete zip archive: no end-of-central-directory record at its end "
      "(cut short?)");
}

// Reads the whole zip at `path` through its central directory with every entry's CRC-32 checked
// by libarchive, and checks that it holds as many entries as its end record declares.
Status VerifyZip(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  VIGIL_ASSIGN_OR_RETURN(uint64_t declared, DeclaredEntries(file.data()));
  std::unique_ptr<struct archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), file.data().data(), file.size()) != ARCHIVE_OK) {
    return Corrupt("not a zip archive: " + ArchiveError(a.get()));
  }
  uint64_t entries = 0;
  char buf[1 << 16];
  for (;;) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) {
      return Corrupt("zip damaged after " + std::to_string(entries) + " entries: " + ArchiveError(a.get()));
    }
    ++entries;
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) {
    }
    if (n < 0) {
      const char* name = archive_entry_pathname(e);
      return Corrupt(std::string("zip entry ") + (name ? name : "?") + " is damaged: " + ArchiveError(a.get()));
    }
  }
  if (entries != declared) {
    return Corrupt("zip declares " + std::to_string(declared) + " entries but " + std::to_string(entries) +
                   " could be read");
  }
  return OkStatus();
}

// The files one source stands for.
Result<std::vector<std::string>> ExpandSource(const std::string& source, const UpdateOptions& options,
                                              const std::string& staging, UpdateReport* report) {
  if (IsSingleFile(source)) return std::vector<std::string>{source};
  std::vector<std::string> ecosystems = options.ecosystems;
  if (ecosystems.empty()) {
    std::string url = OsvEcosystemsUrl(source);
    // The list is small and always fetched: it has no import of its own to skip.
    VIGIL_ASSIGN_OR_RETURN(FetchResult list, FetchConditional(url, {}, staging, options.fetch));
    VIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(list.path, 1 << 20));
    std::error_code ec;
    fs::remove(list.path, ec);
    VIGIL_ASSIGN_OR_RETURN(ecosystems, ParseEcosystemsList(text));
    report->fetched.push_back(url + ": " + std::to_string(ecosystems.size()) + " ecosystems");
  }
  std::vector<std::string> urls;
  for (const std::string& e : ecosystems) urls.push_back(OsvArchiveUrl(source, e));
  return urls;
}

}  // namespace

Status Update(Store& store, const UpdateOptions& options, UpdateReport* report) {
  *report = UpdateReport{};
  std::error_code ec;
  fs::create_directories(options.staging_dir, ec);
  if (ec) return IoError("cannot create staging folder " + options.staging_dir + ": " + ec.message());
  std::vector<std::string> sources = options.sources;
  if (sources.empty()) sources.emplace_back(kOsvDefaultBase);

  std::vector<ImportInput> inputs;
  std::vector<std::string> staged;
  for (const std::string& source : sources) {
    Result<std::vector<std::string>> urls = ExpandSource(source, options, options.staging_dir, report);
    if (!urls.ok()) {
      ++report->failed_sources;
      report->fetched.push_back(source + ": failed: " + urls.error().ToString());
      continue;
    }
    for (const std::string& url : *urls) {
      VIGIL_ASSIGN_OR_RETURN(std::optional<SourceInfo> prev, store.GetSource(url));
      FetchState previous;
      if (prev) previous = FetchState{prev->etag, prev->last_modified, prev->sha256, prev->size};
      Result<FetchResult> got = FetchConditional(url, previous, options.staging_dir, options.fetch);
      if (!got.ok()) {
        ++report->failed_sources;
        report->fetched.push_back(url + ": failed: " + got.error().ToString());
        continue;
      }
      if (got->kind == FetchResult::Kind::kNotModified) {
        ++report->not_modified;
        report->fetched.push_back(url + ": not modified");
        continue;
      }
      staged.push_back(got->path);
      if (url.ends_with(".zip")) {
        if (Status v = VerifyZip(got->path); !v.ok()) {
          ++report->failed_sources;
          report->fetched.push_back(url + ": failed: " + v.error().ToString() + " (not imported)");
          continue;
        }
      }
      ++report->downloaded;
      report->fetched.push_back(url + ": downloaded " + std::to_string(got->state.size) + " bytes");
      SourceInfo info;
      info.etag = got->state.etag;
      info.last_modified = got->state.last_modified;
      inputs.push_back({got->path, url, info});
    }
  }
  Status st = OkStatus();
  if (!inputs.empty()) {
    ImportOptions io;
    io.command = "update";
    io.compression_level = options.compression_level;
    io.progress = options.import_progress;
    st = Import(store, inputs, io, &report->import);
  }
  for (const std::string& p : staged) fs::remove(p, ec);
  return st;
}

}  // namespace vigil::vulndb
