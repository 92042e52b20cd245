// `vigil fleet ...`: the fleet server's client (the API is in docs/FLEET.md). Each subcommand is
// one request; --format json prints the server's answer as it came, table a summary of it.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/escape.h"
#include "common/file.h"
#include "net/http_client.h"

namespace vigil::app {
namespace {

using nlohmann::json;

struct FleetFlags {
  std::string server, token_file, ca_file, format = "table";
  // Subcommand arguments.
  std::string image, sbom, name, ref, vuln, ns, source, token_name;
  std::vector<std::string> scopes;
  int64_t since = 0, token_id = 0;
};

const char* kCmd = "vigil fleet: ";

int Fail(const std::string& message) {
  std::cerr << kCmd << EscapeControls(message) << "\n";
  return kExitError;
}

// The token: $VIGIL_TOKEN, else --token-file (else $VIGIL_TOKEN_FILE).
Result<std::string> Token(const FleetFlags& f) {
  if (f.token_file.empty()) {
    if (const char* t = std::getenv("VIGIL_TOKEN"); t != nullptr && *t != '\0') return std::string(t);
    return InvalidArgument("no token: give --token-file F (the server writes DATA/admin.token) or set VIGIL_TOKEN");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string t, ReadFile(f.token_file, 4096));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) return InvalidArgument(f.token_file + " is empty");
  return t;
}

// Sends one request; the parsed answer of a 2xx, else an error with the server's message.
Result<json> Call(const FleetFlags& f, const std::string& method, const std::string& path, const json* body = nullptr) {
  VIGIL_ASSIGN_OR_RETURN(std::string token, Token(f));
  net::HttpClientOptions co;
  co.ca_file = f.ca_file;
  co.retry.retries = method == "GET" ? 2 : 0;
  co.retry.base_delay = std::chrono::milliseconds(200);
  co.max_body_bytes = uint64_t{256} << 20;
  co.low_speed_time = std::chrono::seconds(600);
  net::HttpClient client(co);
  net::HttpRequest r;
  r.method = method;
  std::string base = f.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  r.url = base + path;
  r.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  if (body != nullptr) {
    r.body = body->dump();
    r.headers.emplace_back("Content-Type", "application/json");
  }
  VIGIL_ASSIGN_OR_RETURN(net::HttpResponse resp, client.Send(r));
  json j = json::parse(resp.body, nullptr, false);
  if (resp.status < 200 || resp.status >= 300) {
    std::string msg = j.is_object() && j.contains("error") && j["error"].is_object()
                          ? j["error"].value("message", "") + " (" + j["error"].value("code", "") + ")"
                          : resp.body.substr(0, 500);
    return Unavailable(method + " " + path + ": HTTP " + std::to_string(resp.status) + ": " + msg);
  }
  if (j.is_discarded()) return Corrupt(method + " " + path + ": the answer is not JSON");
  return j;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return "";
}

std::string Short(const std::string& digest) {
  return digest.rfind("sha256:", 0) == 0 && digest.size() > 19 ? digest.substr(7, 12) : digest;
}

// Prints `answer` as JSON or calls `table`.
int Print(const FleetFlags& f, const json& answer, const std::function<void(const json&)>& table) {
  if (f.format == "json") {
    std::cout << answer.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    table(answer);
  }
  return kExitOk;
}

std::string Path(const std::string& p) {
  // Percent-encodes a path segment (an image reference may contain '/', ':' and '@').
  std::string out;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ImageRow(const json& i) {
  std::cout << EscapeControls(Str(i, "id")) << "  " << Short(Str(i, "config_digest")) << "  "
            << EscapeControls(Str(i, "name")) << "  packages " << Str(i, "packages") << "  findings "
            << Str(i, "findings");
  // Never a false "clean": say what could not be looked at.
  if (i.is_object() && !i.value("complete", true)) std::cout << "  INCOMPLETE (files not read)";
  if (i.is_object() && i.value("unchecked", 0) > 0) std::cout << "  " << Str(i, "unchecked") << " packages not checked";
  std::cout << "\n";
}

int Run(const FleetFlags& f, const std::string& what) {
  if (f.format != "table" && f.format != "json") return Fail("--format must be table or json");
  Result<json> r = InvalidArgument("unknown subcommand");
  std::function<void(const json&)> table = [](const json& j) { std::cout << j.dump(2) << "\n"; };
  if (what == "images add") {
    json body;
    if (!f.sbom.empty()) {
      auto text = ReadFile(f.sbom, uint64_t{256} << 20);
      if (!text.ok()) return Fail(text.error().ToString());
      body["sbom"] = *text;
    } else if (!f.image.empty()) {
      std::error_code ec;
      body["path"] = std::filesystem::absolute(f.image, ec).string();
    } else {
      return Fail("images add needs IMAGE (a path the server may read) or --sbom FILE");
    }
    if (!f.name.empty()) body["name"] = f.name;
    r = Call(f, "POST", "/v1/images", &body);
    table = [](const json& j) {
      std::cout << "stored image ";
      ImageRow(j);
    };
  } else if (what == "images list") {
    r = Call(f, "GET", "/v1/images");
    table = [](const json& j) {
      for (const auto& i : j["images"]) ImageRow(i);
    };
  } else if (what == "images show") {
    r = Call(f, "GET", "/v1/images/" + Path(f.ref));
    table = [](const json& j) {
      size_t n = 0;
      if (j.contains("findings") && j["findings"].is_array()) {
        for (const auto& v : j["findings"]) {
          ++n;
          const json& p = v.contains("package") ? v["package"] : json::object();
          std::cout << EscapeControls(Str(v, "id")) << "  " << EscapeControls(Str(v, "severity")) << "  "
                    << EscapeControls(Str(p, "name")) << " " << EscapeControls(Str(p, "version"))
                    << (Str(v, "fix").empty() ? "" : " -> " + EscapeControls(Str(v, "fix"))) << "\n";
        }
      }
      std::cout << n << " findings (--format json for the full report)\n";
    };
  } else if (what == "containers") {
    r = Call(f, "GET", "/v1/containers" + (f.ns.empty() ? "" : "?namespace=" + Path(f.ns)));
    table = [](const json& j) {
      for (const auto& c : j["containers"]) {
        std::cout << EscapeControls(Str(c, "runtime")) << "  " << EscapeControls(Str(c, "id").substr(0, 12)) << "  "
                  << EscapeControls(Str(c, "name")) << "  " << EscapeControls(Str(c, "image_ref")) << "  "
                  << (Str(c, "image") == "0"
                          ? (Str(c, "scan_state") == "pending" ? "not scanned yet (exporting)" : "NOT SCANNED")
                          : "image " + Str(c, "image"))
                  << "\n";
      }
      // Never a quiet "clean": each image not scanned, with why.
      if (j.contains("unscanned_images") && j["unscanned_images"].is_array()) {
        for (const auto& u : j["unscanned_images"]) {
          std::cout << "warning: image " << EscapeControls(Str(u, "image_id")) << " ("
                    << EscapeControls(Str(u, "image_ref")) << ", " << Str(u, "containers") << " container(s)) is "
                    << (Str(u, "scan_state") == "pending" ? "not scanned yet" : "not scanned") << ": "
                    << EscapeControls(Str(u, "scan_reason")) << "\n";
        }
      }
      for (const auto& rt : j["runtimes"]) {
        if (Str(rt, "state") != "ok") {
          std::cout << "warning: " << EscapeControls(Str(rt, "runtime")) << " is " << EscapeControls(Str(rt, "state"))
                    << ": " << EscapeControls(Str(rt, "reason")) << "\n";
        }
      }
    };
  } else if (what == "affected") {
    r = Call(f, "GET", "/v1/affected/" + Path(f.vuln));
    table = [](const json& j) {
      for (const auto& i : j["images"]) {
        std::cout << "image ";
        ImageRow(i);
        for (const auto& p : i["packages_affected"]) {
          std::cout << "  package " << EscapeControls(Str(p, "package")) << " " << EscapeControls(Str(p, "version"))
                    << (Str(p, "fix").empty() ? "" : " (fix " + EscapeControls(Str(p, "fix")) + ")") << "\n";
        }
        for (const auto& c : i["containers"]) {
          std::cout << "  running " << EscapeControls(Str(c, "name")) << " "
                    << EscapeControls(Str(c, "id").substr(0, 12))
                    << (Str(c, "namespace").empty() ? "" : " ns " + EscapeControls(Str(c, "namespace"))) << "\n";
        }
      }
      std::cout << j["images"].size() << " images, " << Str(j, "running_containers") << " running containers\n";
    };
  } else if (what == "exposure" || what == "rebuild") {
    r = Call(f, "GET", "/v1/" + what + (f.ns.empty() ? "" : "?namespace=" + Path(f.ns)));
    table = [](const json& j) {
      for (const auto& i : j["images"]) {
        std::cout << EscapeControls(Str(i, "name")) << "  running " << Str(i, "running") << "  fixable "
                  << Str(i, "fixable") << "  " << EscapeControls(i["by_severity"].dump()) << "\n";
      }
      if (j.value("containers_of_unscanned_images", 0) > 0) {
        std::cout << "warning: " << j["containers_of_unscanned_images"].get<int>()
                  << " running containers run images the server has not scanned\n";
      }
    };
  } else if (what == "alerts") {
    r = Call(f, "GET", "/v1/alerts?since=" + std::to_string(f.since));
    table = [](const json& j) {
      for (const auto& a : j["alerts"]) {
        const json& p = a["alert"];
        std::cout << Str(a, "seq") << "  " << EscapeControls(Str(p, "kind")) << "  "
                  << EscapeControls(Str(p, "vulnerability")) << "  " << EscapeControls(Str(p, "severity")) << "  "
                  << (p.contains("image") ? EscapeControls(Str(p["image"], "name")) : "") << "  running "
                  << Str(p, "running") << "\n";
      }
    };
  } else if (what == "db update") {
    json body = json::object();
    if (!f.source.empty()) body["source"] = f.source;
    r = Call(f, "POST", "/v1/db/update", &body);
    table = [](const json& j) {
      for (const auto& l : j["fetched"]) std::cout << EscapeControls(l.get<std::string>()) << "\n";
      const json& d = j["delta"];
      std::cout << "delta: " << Str(d, "added") << " new and " << Str(d, "resolved") << " resolved findings in "
                << Str(d, "images_evaluated") << " of " << Str(d, "images_in_fleet") << " images; " << Str(d, "alerts")
                << " alerts queued\n";
    };
  } else if (what == "tokens create") {
    json body{{"name", f.token_name}, {"scopes", f.scopes.empty() ? std::vector<std::string>{"read"} : f.scopes}};
    r = Call(f, "POST", "/v1/tokens", &body);
    table = [](const json& j) { std::cout << Str(j, "token") << "\n"; };
  } else if (what == "tokens list") {
    r = Call(f, "GET", "/v1/tokens");
    table = [](const json& j) {
      for (const auto& t : j["tokens"]) {
        std::string scopes;
        for (const auto& s : t["scopes"]) scopes += (scopes.empty() ? "" : ",") + s.get<std::string>();
        std::cout << Str(t, "id") << "  " << EscapeControls(Str(t, "name")) << "  " << scopes
                  << (t.value("revoked", false) ? "  revoked" : "") << "\n";
      }
    };
  } else if (what == "tokens revoke") {
    r = Call(f, "DELETE", "/v1/tokens/" + std::to_string(f.token_id));
    table = [](const json& j) { std::cout << "revoked token " << Str(j, "revoked") << "\n"; };
  }
  if (!r.ok()) return Fail(r.error().ToString());
  int rc = Print(f, *r, table);
  // An update that could not fetch a source is not a success (the rest was still imported).
  if (what == "db update" && r->value("failed_sources", 0) > 0) {
    std::cerr << kCmd << r->value("failed_sources", 0) << " source(s) could not be fetched or read\n";
    rc = kExitError;
  }
  return rc;
}

}  // namespace

void AddFleetCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<FleetFlags>();
  CLI::App* cmd = app.add_subcommand("fleet", "Ask a fleet server (vigil serve): images, containers, affected, alerts");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  const char* def = std::getenv("VIGIL_SERVER");
  f->server = def != nullptr && *def != '\0' ? def : "http://127.0.0.1:8723";
  cmd->add_option("--server", f->server, "Server URL (default: $VIGIL_SERVER, else http://127.0.0.1:8723)");
  cmd->add_option("--token-file", f->token_file, "File holding the API token (default: $VIGIL_TOKEN holds it)")
      ->envname("VIGIL_TOKEN_FILE");
  cmd->add_option("--ca-file", f->ca_file, "PEM CA bundle to verify the server's TLS certificate");
  cmd->add_option("--format", f->format, "table or json")->capture_default_str();
  auto on = [f, exit_code](CLI::App* sub, std::string what) {
    sub->callback([f, exit_code, what]() { *exit_code = Run(*f, what); });
  };
  CLI::App* images = cmd->add_subcommand("images", "Stored images");
  images->require_subcommand(1);
  CLI::App* add = images->add_subcommand("add", "Scan and store an image (a path the server may read) or an SBOM");
  add->add_option("image", f->image, "Image path (under the server's --image-root)");
  add->add_option("--sbom", f->sbom, "An SBOM file (CycloneDX, SPDX, vigil JSON) to upload instead");
  add->add_option("--name", f->name, "Reference to list it under");
  on(add, "images add");
  on(images->add_subcommand("list", "Every stored image"), "images list");
  CLI::App* show = images->add_subcommand("show", "An image's findings, as vigil scan gives them");
  show->add_option("ref", f->ref, "Image id, digest or tag")->required();
  on(show, "images show");
  CLI::App* containers = cmd->add_subcommand("containers", "Running containers and the images they run");
  containers->add_option("--namespace", f->ns, "Only this Kubernetes namespace");
  on(containers, "containers");
  CLI::App* affected = cmd->add_subcommand("affected", "Images and running containers a vulnerability affects");
  affected->add_option("id", f->vuln, "CVE, GHSA or advisory id")->required();
  on(affected, "affected");
  CLI::App* exposure = cmd->add_subcommand("exposure", "Images by running containers and findings");
  exposure->add_option("--namespace", f->ns, "Only containers in this namespace");
  on(exposure, "exposure");
  CLI::App* rebuild = cmd->add_subcommand("rebuild", "Images to rebuild (fixes exist), most running first");
  rebuild->add_option("--namespace", f->ns, "Only containers in this namespace");
  on(rebuild, "rebuild");
  CLI::App* alerts = cmd->add_subcommand("alerts", "Alerts queued, oldest first");
  alerts->add_option("--since", f->since, "Only alerts after this sequence number");
  on(alerts, "alerts");
  CLI::App* db = cmd->add_subcommand("db", "The server's advisory database");
  db->require_subcommand(1);
  CLI::App* update = db->add_subcommand("update", "Update from the sources and evaluate the delta");
  update->add_option("--source", f->source, "This source instead of the server's");
  on(update, "db update");
  CLI::App* tokens = cmd->add_subcommand("tokens", "API tokens (admin)");
  tokens->require_subcommand(1);
  CLI::App* create = tokens->add_subcommand("create", "Create a token; prints it once");
  create->add_option("name", f->token_name, "What the token is for")->required();
  create->add_option("--scope", f->scopes, "read, write, admin, sensor (repeatable; default read)");
  on(create, "tokens create");
  on(tokens->add_subcommand("list", "Every token (never the secret)"), "tokens list");
  CLI::App* revoke = tokens->add_subcommand("revoke", "Revoke a token");
  revoke->add_option("id", f->token_id, "Token id")->required();
  on(revoke, "tokens revoke");
}

}  // namespace vigil::app
