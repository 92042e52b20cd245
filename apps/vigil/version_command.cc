// `vigil version`: the version and how this binary was built. `vigil version compare --scheme
// SCHEME A B`: order two versions as SCHEME does; with --batch, order every "A<TAB>B" line of
// standard input. For scripting and for explaining a match.
#include <CLI/Version.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "build_info.h"
#include "commands.h"
#include "common/json.h"
#include "common/strings.h"
#include "version/version.h"

namespace vigil::app {
namespace {

struct CompareFlags {
  std::string scheme;
  std::vector<std::string> versions;
  bool batch = false;
};

char Symbol(int c) { return c < 0 ? '<' : (c > 0 ? '>' : '='); }

// Buffered standard output: one fwrite per 1 MiB, so millions of answers cost little.
class Output {
 public:
  ~Output() { Flush(); }
  void Append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= (1u << 20)) Flush();
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
  }

 private:
  std::string buf_;
};

void AnswerLine(const version::Scheme& scheme, std::string_view line, size_t line_no, Output& out) {
  size_t tab = line.find('\t');
  if (tab == std::string_view::npos) {
    out.Append("error: line " + std::to_string(line_no) + ": expected two versions separated by a tab\n");
    return;
  }
  auto c = scheme.CompareText(line.substr(0, tab), line.substr(tab + 1));
  if (!c.ok()) {
    out.Append("error: ");
    out.Append(c.error().message());
    out.Append("\n");
    return;
  }
  char answer[2] = {Symbol(*c), '\n'};
  out.Append(std::string_view(answer, 2));
}

int RunBatch(const version::Scheme& scheme) {
  Output out;
  std::string pending;
  std::string chunk(1u << 20, '\0');
  size_t line_no = 0;
  for (;;) {
    size_t n = std::fread(chunk.data(), 1, chunk.size(), stdin);
    if (n == 0) break;
    pending.append(chunk.data(), n);
    size_t start = 0;
    for (;;) {
      size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(pending.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      AnswerLine(scheme, line, ++line_no, out);
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  if (std::ferror(stdin)) {
    out.Flush();
    std::cerr << "vigil version compare: reading standard input failed\n";
    return kExitError;
  }
  if (!pending.empty()) {
    std::string_view line(pending);
    if (line.back() == '\r') line.remove_suffix(1);
    AnswerLine(scheme, line, ++line_no, out);
  }
  out.Flush();
  return std::fflush(stdout) == 0 ? kExitOk : kExitError;
}

int RunCompare(const CompareFlags& f) {
  auto scheme = version::LookupScheme(f.scheme);
  if (!scheme.ok()) {
    std::cerr << "vigil version compare: " << scheme.error().ToString() << "\n";
    return kExitError;
  }
  if (f.batch) {
    if (!f.versions.empty()) {
      std::cerr << "vigil version compare: --batch reads the pairs from standard input; give no versions\n";
      return kExitError;
    }
    return RunBatch(**scheme);
  }
  if (f.versions.size() != 2) {
    std::cerr << "vigil version compare: expected two versions A B (or --batch)\n";
    return kExitError;
  }
  auto c = (*scheme)->CompareText(f.versions[0], f.versions[1]);
  if (!c.ok()) {
    std::cerr << "vigil version compare: " << c.error().ToString() << "\n";
    return kExitError;
  }
  // As dpkg does, say what the reference would warn about, then answer.
  for (const auto& text : f.versions) {
    auto v = (*scheme)->Parse(text);
    if (v.ok()) {
      if (std::string w = (*scheme)->Warning(*v); !w.empty()) {
        std::cerr << "vigil version compare: warning: '" << text << "': " << w << "\n";
      }
    }
  }
  std::cout << Symbol(*c) << "\n";
  return kExitOk;
}

}  // namespace

const char* const kVersion = VIGIL_VERSION;

void AddVersionCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "version", "Print vigil's version and build (commit, compiler); `version compare` orders versions");
  auto format = std::make_shared<std::string>("text");
  cmd->add_option("-f,--format", *format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}, CLI::ignore_case));
  cmd->callback([cmd, format, exit_code]() {
    if (!cmd->get_subcommands().empty()) return;  // `version compare` ran
    if (*format == "json") {
      nlohmann::json j = {{"version", VIGIL_VERSION},     {"commit", VIGIL_GIT_COMMIT},
                          {"compiler", VIGIL_COMPILER},   {"build_type", VIGIL_BUILD_TYPE},
                          {"bpf_probes", VIGIL_WITH_BPF}, {"cli11", CLI11_VERSION}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "vigil " << VIGIL_VERSION << "\ncommit      " << VIGIL_GIT_COMMIT << "\ncompiler    "
                << VIGIL_COMPILER << " (C++20)\nbuild type  " << VIGIL_BUILD_TYPE << "\nBPF probes  " << VIGIL_WITH_BPF
                << "\n";
    }
    *exit_code = kExitOk;
  });
  auto flags = std::make_shared<CompareFlags>();
  std::string schemes;
  for (auto n : version::SchemeNames()) {
    if (!schemes.empty()) schemes += ", ";
    schemes += n;
  }
  CLI::App* compare =
      cmd->add_subcommand("compare", "Print <, = or > for A compared with B (exit 2 if either is not a valid version)");
  compare
      ->add_option("-s,--scheme", flags->scheme,
                   "Scheme (" + schemes + ") or OSV ecosystem (Debian, Alpine:v3.19, Red Hat, npm, Go, ...)")
      ->required();
  compare->add_option("versions", flags->versions, "The two versions A and B");
  compare->add_flag("--batch", flags->batch,
                    "Read 'A<TAB>B' lines from standard input; answer each with <, =, > or 'error: ...'");
  compare->callback([flags, exit_code]() { *exit_code = RunCompare(*flags); });
}

}  // namespace vigil::app
