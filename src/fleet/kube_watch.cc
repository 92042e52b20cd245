#include "fleet/kube_watch.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "common/file.h"
#include "common/json.h"
#include "common/yaml_node.h"
#include "fleet/container_watch.h"
#include "net/http_client.h"

namespace vigil::fleet {
namespace {

using nlohmann::json;

constexpr std::string_view kList = "pod list";
constexpr std::string_view kEvent = "watch event";

// A printable, clipped rendering of untrusted text for error messages.
std::string Quote(std::string_view s, size_t max = 64) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

std::string Cap(size_t n, size_t cap, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + ", more than the cap of " + std::to_string(cap);
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

// ---------------------------------------------------------------------------------------------
// JSON with limits. The same shape as the container watcher's parsers (container_watch.cc);
// the paths here are longer ("$.items[3].status.containerStatuses[0].imageID").

Result<json> ParseLimited(std::string_view what, std::string_view text, size_t max_bytes, size_t max_tokens) {
  if (text.size() > max_bytes) return LimitExceeded(std::string(what) + ": " + Cap(text.size(), max_bytes, "bytes"));
  VIGIL_RETURN_IF_ERROR(CheckJsonShape(what, text, kMaxKubeJsonDepth, max_tokens));
  return ParseJson(text, what, kMaxKubeJsonDepth);
}

// Reads members of one JSON document, every error prefixed with what the document is.
class Reader {
 public:
  explicit Reader(std::string_view what) : what_(what) {}

  Error WrongType(const std::string& path, const json& j, std::string_view expected) const {
    return Corrupt(what_ + ": " + path + " is " + j.type_name() + ", expected " + std::string(expected));
  }
  Error Bad(const std::string& path, std::string_view why) const {
    return Corrupt(what_ + ": " + path + " " + std::string(why));
  }
  Error TooLarge(const std::string& path, std::string_view why) const {
    return LimitExceeded(what_ + ": " + path + " " + std::string(why));
  }

  // The member `key`, or null when absent or JSON null.
  static const json* Find(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  // An object member that may be absent or null (nullptr then), else must be an object.
  Result<const json*> Object(const std::string& path, const json& obj, const char* key) const {
    const json* j = Find(obj, key);
    if (j != nullptr && !j->is_object()) return WrongType(path + "." + key, *j, "an object");
    return j;
  }

  Result<std::string> String(const std::string& path, const json& j, size_t max = kMaxKubeStringBytes) const {
    if (!j.is_string()) return WrongType(path, j, "a string");
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > max) return TooLarge(path, "is " + Cap(s.size(), max, "bytes"));
    return s;
  }

  // A string member that may be absent or null ("").
  Result<std::string> OptionalString(const std::string& path, const json& obj, const char* key,
                                     size_t max = kMaxKubeStringBytes) const {
    const json* j = Find(obj, key);
    if (j == nullptr) return std::string();
    return String(path + "." + key, *j, max);
  }

  // A string member that must be there and not be empty.
  Result<std::string> RequiredString(const std::string& path, const json& obj, const char* key) const {
    const json* j = Find(obj, key);
    if (j == nullptr) return Bad(path + "." + key, "is missing");
    VIGIL_ASSIGN_OR_RETURN(std::string s, String(path + "." + key, *j));
    if (s.empty()) return Bad(path + "." + key, "is empty");
    return s;
  }

  Status Labels(const std::string& path, const json* j, std::map<std::string, std::string>* out) const {
    if (j == nullptr) return OkStatus();
    if (!j->is_object()) return WrongType(path, *j, "an object");
    if (j->size() > kMaxKubeLabels) return TooLarge(path, "has " + Cap(j->size(), kMaxKubeLabels, "entries"));
    for (const auto& [key, value] : j->items()) {
      std::string at = path + "[" + Quote(key) + "]";
      if (key.size() > kMaxKubeLabelKeyBytes) {
        return TooLarge(at, ": key of " + Cap(key.size(), kMaxKubeLabelKeyBytes, "bytes"));
      }
      VIGIL_ASSIGN_OR_RETURN(std::string v, String(at, value, kMaxKubeLabelValueBytes));
      out->emplace(key, std::move(v));
    }
    return OkStatus();
  }

  const std::string& what() const { return what_; }

 private:
  std::string what_;
};

// "containerd://<id>" → {"containerd", "<id>"}.
Status SplitContainerId(const Reader& r, const std::string& path, const std::string& raw, KubeContainer* c) {
  if (raw.empty()) return OkStatus();
  size_t sep = raw.find("://");
  if (sep == std::string::npos || sep == 0) return r.Bad(path, Quote(raw) + " is not '<runtime>://<id>'");
  std::string runtime = raw.substr(0, sep);
  std::string id = raw.substr(sep + 3);
  bool runtime_ok = std::all_of(runtime.begin(), runtime.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
  });
  if (!runtime_ok || id.empty() || id.size() > 128 || id == "." || id == ".." ||
      !std::all_of(id.begin(), id.end(), IsIdChar)) {
    return r.Bad(path, Quote(raw) + " is not '<runtime>://<id>'");
  }
  c->runtime = std::move(runtime);
  c->container_id = std::move(id);
  return OkStatus();
}

// The controller among ownerReferences (at most one has controller: true).
Status Owner(const Reader& r, const std::string& path, const json* refs, std::string* kind, std::string* name) {
  if (refs == nullptr) return OkStatus();
  if (!refs->is_array()) return r.WrongType(path, *refs, "an array");
  for (size_t i = 0; i < refs->size(); ++i) {
    std::string at = path + "[" + std::to_string(i) + "]";
    const json& ref = (*refs)[i];
    if (!ref.is_object()) return r.WrongType(at, ref, "an object");
    const json* controller = Reader::Find(ref, "controller");
    if (controller != nullptr && !controller->is_boolean()) {
      return r.WrongType(at + ".controller", *controller, "a boolean");
    }
    if (controller == nullptr || !controller->get<bool>() || !kind->empty()) continue;
    VIGIL_ASSIGN_OR_RETURN(*kind, r.RequiredString(at, ref, "kind"));
    VIGIL_ASSIGN_OR_RETURN(*name, r.RequiredString(at, ref, "name"));
  }
  return OkStatus();
}

Result<KubePod> ParsePodObject(const Reader& r, const json& pod, const std::string& path) {
  if (!pod.is_object()) return r.WrongType(path, pod, "an object");
  if (const json* kind = Reader::Find(pod, "kind"); kind != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(std::string k, r.String(path + ".kind", *kind));
    if (k != "Pod") return r.Bad(path + ".kind", Quote(k) + " is not \"Pod\"");
  }
  KubePod out;
  VIGIL_ASSIGN_OR_RETURN(const json* meta, r.Object(path, pod, "metadata"));
  if (meta == nullptr) return r.Bad(path + ".metadata", "is missing");
  const std::string mp = path + ".metadata";
  VIGIL_ASSIGN_OR_RETURN(out.name, r.RequiredString(mp, *meta, "name"));
  VIGIL_ASSIGN_OR_RETURN(out.pod_namespace, r.RequiredString(mp, *meta, "namespace"));
  VIGIL_ASSIGN_OR_RETURN(out.uid, r.OptionalString(mp, *meta, "uid"));
  VIGIL_ASSIGN_OR_RETURN(out.resource_version, r.OptionalString(mp, *meta, "resourceVersion"));
  std::map<std::string, std::string> labels;
  VIGIL_RETURN_IF_ERROR(r.Labels(mp + ".labels", Reader::Find(*meta, "labels"), &labels));
  std::string owner_kind, owner_name;
  VIGIL_RETURN_IF_ERROR(
      Owner(r, mp + ".ownerReferences", Reader::Find(*meta, "ownerReferences"), &owner_kind, &owner_name));
  std::string deployment;
  if (owner_kind == "ReplicaSet") {
    auto hash = labels.find("pod-template-hash");
    if (hash != labels.end()) deployment = InferDeploymentName(owner_name, hash->second);
  }

  std::string node;
  VIGIL_ASSIGN_OR_RETURN(const json* spec, r.Object(path, pod, "spec"));
  if (spec != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(node, r.OptionalString(path + ".spec", *spec, "nodeName"));
  }

  VIGIL_ASSIGN_OR_RETURN(const json* status, r.Object(path, pod, "status"));
  if (status == nullptr) return out;
  const std::string sp = path + ".status";
  VIGIL_ASSIGN_OR_RETURN(out.phase, r.OptionalString(sp, *status, "phase"));
  static constexpr std::pair<const char*, KubeContainerKind> kLists[] = {
      {"containerStatuses", KubeContainerKind::kRegular},
      {"initContainerStatuses", KubeContainerKind::kInit},
      {"ephemeralContainerStatuses", KubeContainerKind::kEphemeral},
  };
  for (const auto& [member, kind] : kLists) {
    const json* list = Reader::Find(*status, member);
    if (list == nullptr) continue;
    const std::string lp = sp + "." + member;
    if (!list->is_array()) return r.WrongType(lp, *list, "an array");
    if (out.containers.size() + list->size() > kMaxContainersPerPod) {
      return r.TooLarge(sp,
                        "has " + Cap(out.containers.size() + list->size(), kMaxContainersPerPod, "container statuses"));
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string at = lp + "[" + std::to_string(i) + "]";
      const json& cs = (*list)[i];
      if (!cs.is_object()) return r.WrongType(at, cs, "an object");
      KubeContainer c;
      c.pod_namespace = out.pod_namespace;
      c.pod_name = out.name;
      c.pod_uid = out.uid;
      c.node = node;
      c.kind = kind;
      c.labels = labels;
      c.owner_kind = owner_kind;
      c.owner_name = owner_name;
      c.inferred_deployment = deployment;
      VIGIL_ASSIGN_OR_RETURN(c.name, r.RequiredString(at, cs, "name"));
      VIGIL_ASSIGN_OR_RETURN(std::string cid, r.OptionalString(at, cs, "containerID"));
      VIGIL_RETURN_IF_ERROR(SplitContainerId(r, at + ".containerID", cid, &c));
      VIGIL_ASSIGN_OR_RETURN(c.image, r.OptionalString(at, cs, "image"));
      VIGIL_ASSIGN_OR_RETURN(c.image_id, r.OptionalString(at, cs, "imageID"));
      auto digest = ParseImageId(c.image_id);
      if (!digest.ok()) return r.Bad(at + ".imageID", digest.error().message());
      c.digest = std::move(digest->digest);
      c.image_repo = std::move(digest->repo);
      VIGIL_ASSIGN_OR_RETURN(const json* state, r.Object(at, cs, "state"));
      if (state != nullptr) {
        // The API sets exactly one member; a running one wins should a server send more.
        for (const char* s : {"terminated", "waiting", "running"}) {
          const json* member = Reader::Find(*state, s);
          if (member == nullptr) continue;
          if (!member->is_object()) return r.WrongType(at + ".state." + s, *member, "an object");
          c.state = s;
        }
      }
      c.running = c.state == "running";
      out.containers.push_back(std::move(c));
    }
  }
  return out;
}

// The message of a Status body (an error answer of the API server), else the body quoted.
std::string StatusMessage(std::string_view body) {
  auto j = ParseLimited("status", body, 64 * 1024, 10'000);
  if (j.ok() && j->is_object()) {
    std::string message = JsonString(*j, "message");
    std::string reason = JsonString(*j, "reason");
    if (!message.empty()) return (reason.empty() ? "" : reason + ": ") + Quote(message, 200);
  }
  return Quote(body, 200);
}

// ---------------------------------------------------------------------------------------------
// Kubeconfig.

// Standard base64 (RFC 4648 §4) with padding; blanks and newlines between groups are skipped.
Result<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t symbols = 0, pad = 0;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      ++symbols;
      continue;
    }
    int v = value(c);
    if (v < 0 || pad > 0) return Corrupt("is not base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (symbols % 4 != 0 || pad > 2) return Corrupt("is not base64 (its length is not a multiple of 4)");
  return out;
}

class KubeconfigReader {
 public:
  explicit KubeconfigReader(std::string_view where) : where_(where) {}

  Error Fail(ErrorCode code, const std::string& path, const YAML::Node& node, std::string_view why) const {
    std::string at = node.IsDefined() ? YamlLocation(where_, node.Mark()) : where_;
    return Error(code, at + ": " + path + " " + std::string(why));
  }

  // The member `key` of map `node`, or an undefined node.
  static YAML::Node Member(const YAML::Node& node, const char* key) {
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }
  static bool Present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }

  Result<std::string> Scalar(const std::string& path, const YAML::Node& node) const {
    if (!Present(node)) return std::string();
    if (!node.IsScalar()) return Fail(ErrorCode::kCorrupt, path, node, "is not a string");
    if (node.Scalar().size() > kMaxBearerTokenBytes) {
      return Fail(ErrorCode::kLimitExceeded, path, node,
                  "is " + Cap(node.Scalar().size(), kMaxBearerTokenBytes, "bytes"));
    }
    return node.Scalar();
  }

  // The entry named `name` of the list `list_key` ("clusters", "contexts", "users") and its
  // member `inner` ("cluster", ...).
  Result<YAML::Node> Named(const YAML::Node& root, const char* list_key, const char* inner,
                           const std::string& name) const {
    YAML::Node list = Member(root, list_key);
    if (Present(list) && !list.IsSequence()) {
      return Fail(ErrorCode::kCorrupt, list_key, list, "is not a list");
    }
    if (Present(list)) {
      for (size_t i = 0; i < list.size(); ++i) {
        YAML::Node entry = list[i];
        std::string at = std::string(list_key) + "[" + std::to_string(i) + "]";
        if (!entry.IsMap()) return Fail(ErrorCode::kCorrupt, at, entry, "is not a map");
        VIGIL_ASSIGN_OR_RETURN(std::string n, Scalar(at + ".name", Member(entry, "name")));
        if (n != name) continue;
        YAML::Node value = Member(entry, inner);
        if (!value.IsMap()) {
          return Fail(ErrorCode::kCorrupt, at + "." + inner, Present(value) ? value : entry, "is not a map");
        }
        path_ = at + "." + inner;
        return value;
      }
    }
    return Error(ErrorCode::kNotFound, where_ + ": " + list_key + " has no entry named " + Quote(name));
  }

  const std::string& path() const { return path_; }
  const std::string& where() const { return where_; }

 private:
  std::string where_;
  mutable std::string path_;
};

std::string Resolve(std::string_view base_dir, const std::string& file) {
  if (file.empty() || file.starts_with('/') || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / file).lexically_normal().string();
}

// "https://host[:port][/path]" without a trailing '/'.
Result<std::string> CheckServer(std::string_view server) {
  if (server.starts_with("http://")) return Unsupported("plain http is refused: the server must be https://");
  if (!server.starts_with("https://")) return InvalidArgument(Quote(server) + " is not an https:// URL");
  std::string_view rest = server.substr(8);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  bool ok = !authority.empty() && authority.find('@') == std::string_view::npos;
  for (char c : server) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '\\') ok = false;
  }
  if (!ok) return InvalidArgument(Quote(server) + " is not https://host[:port][/path]");
  std::string out(server);
  while (out.ends_with('/')) out.pop_back();
  return out;
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

std::string_view KubeContainerKindName(KubeContainerKind kind) {
  switch (kind) {
    case KubeContainerKind::kRegular:
      return "container";
    case KubeContainerKind::kInit:
      return "init";
    case KubeContainerKind::kEphemeral:
      return "ephemeral";
  }
  return "container";
}

std::string_view KubeEventTypeName(KubeEventType type) {
  switch (type) {
    case KubeEventType::kAdded:
      return "ADDED";
    case KubeEventType::kModified:
      return "MODIFIED";
    case KubeEventType::kDeleted:
      return "DELETED";
    case KubeEventType::kBookmark:
      return "BOOKMARK";
    case KubeEventType::kError:
      return "ERROR";
  }
  return "ERROR";
}

Result<ImageDigest> ParseImageId(std::string_view image_id) {
  ImageDigest out;
  if (image_id.empty()) return out;
  auto refuse = [&](std::string_view why) { return Corrupt(Quote(image_id) + " " + std::string(why)); };
  std::string_view rest = image_id;
  for (std::string_view scheme : {"docker-pullable://", "docker://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      break;
    }
  }
  if (rest.find("://") != std::string_view::npos) return refuse("has an unknown scheme");
  std::string_view digest = rest;
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view repo = rest.substr(0, at);
    if (repo.empty()) return refuse("has an empty repository before '@'");
    if (!std::all_of(repo.begin(), repo.end(), [](char c) {
          auto u = static_cast<unsigned char>(c);
          return u > 0x20 && u < 0x7f && c != '@';
        })) {
      return refuse("has a repository with blanks or control characters");
    }
    out.repo = std::string(repo);
    digest = rest.substr(at + 1);
  }
  size_t colon = digest.find(':');
  std::string_view algorithm = digest.substr(0, colon);
  size_t want = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  // Without '@', "nginx:1.25" is a tag, not a digest of another algorithm.
  if (colon == std::string_view::npos || (want == 0 && at == std::string_view::npos)) {
    return refuse("names no digest ('[repo@]sha256:<hex>')");
  }
  if (want == 0) return refuse("has a digest algorithm other than sha256 or sha512");
  std::string_view hex = digest.substr(colon + 1);
  if (hex.size() != want || !IsLowerHex(hex)) {
    return refuse("has a " + std::string(algorithm) + " digest that is not " + std::to_string(want) +
                  " lower-case hex digits");
  }
  out.digest = std::string(digest);
  return out;
}

std::string InferDeploymentName(std::string_view replicaset, std::string_view pod_template_hash) {
  if (pod_template_hash.empty()) return "";
  size_t dash = replicaset.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return "";
  std::string_view suffix = replicaset.substr(dash + 1);
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  bool encoded = suffix.size() >= 5 && suffix.size() <= 10 && std::all_of(suffix.begin(), suffix.end(), [](char c) {
                   return kAlphabet.find(c) != std::string_view::npos;
                 });
  if (suffix != pod_template_hash && !encoded) return "";
  return std::string(replicaset.substr(0, dash));
}

Result<KubePodList> ParsePodList(std::string_view text) {
  Reader r(kList);
  VIGIL_ASSIGN_OR_RETURN(json root, ParseLimited(kList, text, kMaxPodListPageBytes, kMaxJsonTokensPerPodPage));
  if (!root.is_object()) return r.WrongType("$", root, "an object");
  if (const json* kind = Reader::Find(root, "kind"); kind != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(std::string k, r.String("$.kind", *kind));
    if (k != "PodList") return r.Bad("$.kind", Quote(k) + " is not \"PodList\"");
  }
  KubePodList out;
  VIGIL_ASSIGN_OR_RETURN(const json* meta, r.Object("$", root, "metadata"));
  if (meta != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(out.resource_version, r.OptionalString("$.metadata", *meta, "resourceVersion"));
    VIGIL_ASSIGN_OR_RETURN(out.continue_token,
                           r.OptionalString("$.metadata", *meta, "continue", kMaxContinueTokenBytes));
  }
  const json* items = Reader::Find(root, "items");
  // An empty list comes as "items": [] from the API server; null is accepted as empty, as
  // client-go does, but a list without the member is not a PodList.
  if (items == nullptr && root.find("items") == root.end()) return r.Bad("$.items", "is missing");
  if (items != nullptr) {
    if (!items->is_array()) return r.WrongType("$.items", *items, "an array");
    if (items->size() > kMaxPodsPerPage)
      return r.TooLarge("$.items", "has " + Cap(items->size(), kMaxPodsPerPage, "entries"));
    out.pods.reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      VIGIL_ASSIGN_OR_RETURN(KubePod pod, ParsePodObject(r, (*items)[i], "$.items[" + std::to_string(i) + "]"));
      out.pods.push_back(std::move(pod));
    }
  }
  return out;
}

Result<KubeWatchEvent> ParseWatchEvent(std::string_view text) {
  Reader r(kEvent);
  if (text.size() > kMaxKubeEventLineBytes) {
    return LimitExceeded(std::string(kEvent) + ": " + Cap(text.size(), kMaxKubeEventLineBytes, "bytes"));
  }
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  VIGIL_ASSIGN_OR_RETURN(json root, ParseLimited(kEvent, text, kMaxKubeEventLineBytes, kMaxJsonTokensPerKubeEvent));
  if (!root.is_object()) return r.WrongType("$", root, "an object");
  const json* type_j = Reader::Find(root, "type");
  if (type_j == nullptr) return r.Bad("$.type", "is missing");
  VIGIL_ASSIGN_OR_RETURN(std::string type, r.String("$.type", *type_j));
  KubeWatchEvent ev;
  if (type == "ADDED") {
    ev.type = KubeEventType::kAdded;
  } else if (type == "MODIFIED") {
    ev.type = KubeEventType::kModified;
  } else if (type == "DELETED") {
    ev.type = KubeEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    ev.type = KubeEventType::kBookmark;
  } else if (type == "ERROR") {
    ev.type = KubeEventType::kError;
  } else {
    return r.Bad("$.type", Quote(type) + " is not ADDED, MODIFIED, DELETED, BOOKMARK or ERROR");
  }
  VIGIL_ASSIGN_OR_RETURN(const json* object, r.Object("$", root, "object"));
  if (object == nullptr) return r.Bad("$.object", "is missing");

  switch (ev.type) {
    case KubeEventType::kError: {
      if (const json* code = Reader::Find(*object, "code"); code != nullptr) {
        if (!code->is_number_integer() || code->get<int64_t>() < 0 || code->get<int64_t>() > 999) {
          return r.WrongType("$.object.code", *code, "an HTTP status code");
        }
        ev.status.code = static_cast<int>(code->get<int64_t>());
      }
      VIGIL_ASSIGN_OR_RETURN(ev.status.reason, r.OptionalString("$.object", *object, "reason"));
      VIGIL_ASSIGN_OR_RETURN(ev.status.message, r.OptionalString("$.object", *object, "message"));
      return ev;
    }
    case KubeEventType::kBookmark: {
      // A bookmark carries an object of the watched kind with only its resourceVersion (and
      // annotations) set; the rest is empty.
      VIGIL_ASSIGN_OR_RETURN(const json* meta, r.Object("$.object", *object, "metadata"));
      if (meta == nullptr) return r.Bad("$.object.metadata", "is missing");
      VIGIL_ASSIGN_OR_RETURN(ev.resource_version, r.RequiredString("$.object.metadata", *meta, "resourceVersion"));
      return ev;
    }
    default:
      break;
  }
  VIGIL_ASSIGN_OR_RETURN(ev.pod, ParsePodObject(r, *object, "$.object"));
  if (ev.pod.resource_version.empty()) return r.Bad("$.object.metadata.resourceVersion", "is missing");
  ev.resource_version = ev.pod.resource_version;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Configuration.

Result<KubeConfig> ParseKubeConfig(std::string_view text, std::string_view where_in, std::string_view base_dir,
                                   std::string_view context) {
  std::string where(where_in);
  if (text.size() > kMaxKubeconfigBytes) {
    return LimitExceeded(where + ": " + Cap(text.size(), kMaxKubeconfigBytes, "bytes"));
  }
  YamlLimits limits;
  limits.max_bytes = kMaxKubeconfigBytes;
  limits.max_depth = 32;
  limits.max_aliases = 1'000;
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, where, limits));
  KubeconfigReader r(where);
  try {
    if (!root.IsMap()) return r.Fail(ErrorCode::kCorrupt, "the document", root, "is not a map");
    VIGIL_ASSIGN_OR_RETURN(std::string kind, r.Scalar("kind", KubeconfigReader::Member(root, "kind")));
    if (!kind.empty() && kind != "Config") {
      return r.Fail(ErrorCode::kCorrupt, "kind", KubeconfigReader::Member(root, "kind"),
                    Quote(kind) + " is not \"Config\"");
    }
    std::string context_name(context);
    if (context_name.empty()) {
      VIGIL_ASSIGN_OR_RETURN(context_name,
                             r.Scalar("current-context", KubeconfigReader::Member(root, "current-context")));
      if (context_name.empty()) return NotFound(where + ": no current-context, and no context was asked for");
    }
    KubeConfig out;
    out.source = where + " (context " + context_name + ")";

    VIGIL_ASSIGN_OR_RETURN(YAML::Node ctx, r.Named(root, "contexts", "context", context_name));
    std::string ctx_path = r.path();
    VIGIL_ASSIGN_OR_RETURN(std::string cluster_name,
                           r.Scalar(ctx_path + ".cluster", KubeconfigReader::Member(ctx, "cluster")));
    VIGIL_ASSIGN_OR_RETURN(std::string user_name, r.Scalar(ctx_path + ".user", KubeconfigReader::Member(ctx, "user")));
    VIGIL_ASSIGN_OR_RETURN(out.namespace_name,
                           r.Scalar(ctx_path + ".namespace", KubeconfigReader::Member(ctx, "namespace")));
    if (cluster_name.empty()) return r.Fail(ErrorCode::kCorrupt, ctx_path + ".cluster", ctx, "is missing");
    if (user_name.empty()) return r.Fail(ErrorCode::kCorrupt, ctx_path + ".user", ctx, "is missing");

    VIGIL_ASSIGN_OR_RETURN(YAML::Node cluster, r.Named(root, "clusters", "cluster", cluster_name));
    std::string cp = r.path();
    auto cluster_member = [&](const char* key) { return KubeconfigReader::Member(cluster, key); };
    VIGIL_ASSIGN_OR_RETURN(std::string server, r.Scalar(cp + ".server", cluster_member("server")));
    if (server.empty()) return r.Fail(ErrorCode::kCorrupt, cp + ".server", cluster, "is missing");
    auto checked = CheckServer(server);
    if (!checked.ok()) {
      return r.Fail(checked.error().code(), cp + ".server", cluster_member("server"), checked.error().message());
    }
    out.server = std::move(*checked);
    VIGIL_ASSIGN_OR_RETURN(std::string insecure,
                           r.Scalar(cp + ".insecure-skip-tls-verify", cluster_member("insecure-skip-tls-verify")));
    if (insecure == "true") {
      return r.Fail(ErrorCode::kUnsupported, cp + ".insecure-skip-tls-verify",
                    cluster_member("insecure-skip-tls-verify"),
                    "is refused: the API server's certificate is always verified");
    }
    for (const char* key : {"proxy-url", "tls-server-name"}) {
      if (KubeconfigReader::Present(cluster_member(key))) {
        return r.Fail(ErrorCode::kUnsupported, cp + "." + key, cluster_member(key), "is not supported");
      }
    }
    VIGIL_ASSIGN_OR_RETURN(std::string ca_file,
                           r.Scalar(cp + ".certificate-authority", cluster_member("certificate-authority")));
    out.ca_file = Resolve(base_dir, ca_file);
    VIGIL_ASSIGN_OR_RETURN(std::string ca_data,
                           r.Scalar(cp + ".certificate-authority-data", cluster_member("certificate-authority-data")));
    if (!ca_data.empty()) {
      auto pem = DecodeBase64(ca_data);
      if (!pem.ok()) {
        return r.Fail(ErrorCode::kCorrupt, cp + ".certificate-authority-data",
                      cluster_member("certificate-authority-data"), pem.error().message());
      }
      if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return r.Fail(ErrorCode::kCorrupt, cp + ".certificate-authority-data",
                      cluster_member("certificate-authority-data"), "is not a PEM certificate once decoded");
      }
      out.ca_pem = std::move(*pem);
    }

    VIGIL_ASSIGN_OR_RETURN(YAML::Node user, r.Named(root, "users", "user", user_name));
    std::string up = r.path();
    auto user_member = [&](const char* key) { return KubeconfigReader::Member(user, key); };
    for (const char* key : {"client-certificate", "client-certificate-data", "client-key", "client-key-data"}) {
      if (KubeconfigReader::Present(user_member(key))) {
        return r.Fail(ErrorCode::kUnsupported, up + "." + key, user_member(key),
                      "is not supported: client-certificate authentication is not implemented; use a service "
                      "account token (token or tokenFile)");
      }
    }
    for (const char* key : {"exec", "auth-provider"}) {
      if (KubeconfigReader::Present(user_member(key))) {
        return r.Fail(ErrorCode::kUnsupported, up + "." + key, user_member(key),
                      "is not supported: vigil runs no credential plugins; use a service account token (token "
                      "or tokenFile)");
      }
    }
    for (const char* key : {"username", "password"}) {
      if (KubeconfigReader::Present(user_member(key))) {
        return r.Fail(ErrorCode::kUnsupported, up + "." + key, user_member(key),
                      "is not supported: basic authentication was removed from Kubernetes in 1.19");
      }
    }
    VIGIL_ASSIGN_OR_RETURN(out.token, r.Scalar(up + ".token", user_member("token")));
    VIGIL_ASSIGN_OR_RETURN(std::string token_file, r.Scalar(up + ".tokenFile", user_member("tokenFile")));
    out.token_file = Resolve(base_dir, token_file);
    if (out.token.empty() && out.token_file.empty()) {
      return r.Fail(ErrorCode::kUnsupported, up, user,
                    "has neither token nor tokenFile: only bearer-token authentication is supported");
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Corrupt(where + ": " + e.what());
  }
}

Result<KubeConfig> LoadKubeConfig(const std::string& path, std::string_view context) {
  std::string where = "kubeconfig " + path;
  auto text = ReadFile(path, kMaxKubeconfigBytes);
  if (!text.ok()) return std::move(text.error().Context(where));
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseKubeConfig(*text, where, dir, context);
}

Result<KubeConfig> InClusterConfig(std::string_view root_in) {
  std::string root(root_in);
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return NotFound(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod");
  }
  std::string h = host, p = port;
  if (h.find_first_of("/ \t\r\n@?#[]") != std::string::npos) {
    return InvalidArgument("in-cluster: KUBERNETES_SERVICE_HOST " + Quote(h) + " is not a host");
  }
  char* end = nullptr;
  long n = std::strtol(p.c_str(), &end, 10);
  if (end == p.c_str() || *end != '\0' || n < 1 || n > 65535 || p.front() == '+' || p.front() == '-') {
    return InvalidArgument("in-cluster: KUBERNETES_SERVICE_PORT " + Quote(p) + " is not a port from 1 to 65535");
  }
  KubeConfig out;
  out.source = "in-cluster";
  out.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(n);
  out.token_file = root + "/token";
  out.ca_file = root + "/ca.crt";
  for (const std::string& f : {out.token_file, out.ca_file}) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) return NotFound("in-cluster: " + f + ": no such file");
  }
  std::string ns_file = root + "/namespace";
  struct stat st {};
  if (::stat(ns_file.c_str(), &st) == 0) {
    auto ns = ReadFile(ns_file, kMaxKubeStringBytes);
    if (!ns.ok()) return std::move(ns.error().Context("in-cluster"));
    std::string v = *ns;
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
    out.namespace_name = std::move(v);
  }
  return out;
}

Result<std::string> ReadBearerToken(const KubeConfig& config) {
  std::string token;
  std::string what;
  if (!config.token_file.empty()) {
    what = "token file " + config.token_file;
    auto text = ReadFile(config.token_file, kMaxBearerTokenBytes);
    if (!text.ok()) return std::move(text.error().Context(what));
    token = std::move(*text);
  } else if (!config.token.empty()) {
    what = "the kubeconfig's token";
    token = config.token;
    if (token.size() > kMaxBearerTokenBytes) {
      return LimitExceeded(what + ": " + Cap(token.size(), kMaxBearerTokenBytes, "bytes"));
    }
  } else {
    return InvalidArgument(config.source + ": no bearer token (neither token nor tokenFile)");
  }
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!token.empty() && blank(token.back())) token.pop_back();
  size_t first = 0;
  while (first < token.size() && blank(token[first])) ++first;
  token.erase(0, first);
  if (token.empty()) return Corrupt(what + ": the token is empty");
  // Never quote the token: say only what is wrong with it.
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Corrupt(what + ": the token has a control character or a blank inside");
  }
  return token;
}

// ---------------------------------------------------------------------------------------------
// The watcher.

namespace {

// Percent-encodes all but the unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// How an ERROR event with code 410 is worded when it ends a watch (the watcher lists again).
constexpr std::string_view kGoneMarker = "410 Gone: ";

// After this many 410s in a row (with no event between them), a 410 is an outage: a server
// that answers nothing else must not make the watcher list in a tight loop.
constexpr int kMaxGoneInARow = 3;

}  // namespace

struct KubeWatcher::State {
  State(KubeWatchOptions o, Sink s)
      : options(std::move(o)),
        sink(std::move(s)),
        client(ListOptions(options)),
        stream_client(StreamOptions(options)) {}

  static net::HttpClientOptions Common(const KubeWatchOptions& o) {
    net::HttpClientOptions c;
    c.ca_file = o.config.ca_file;
    c.ca_pem = o.config.ca_pem;
    c.allow_http = false;
    c.allow_loopback_http = false;
    c.max_redirects = 0;  // a redirect would carry the token elsewhere
    c.connect_timeout = std::max(std::chrono::milliseconds(1), o.connect_timeout);
    c.max_error_body_bytes = kMaxKubeStringBytes;
    c.retry.retries = 0;  // the watcher's own backoff retries, and lists again
    return c;
  }
  static net::HttpClientOptions ListOptions(const KubeWatchOptions& o) {
    net::HttpClientOptions c = Common(o);
    c.total_timeout = o.request_timeout;
    c.low_speed_bytes_per_s = 0;  // bounded by total_timeout
    c.max_body_bytes = kMaxPodListPageBytes;
    c.require_framed_body = false;  // the parser refuses a page cut short
    return c;
  }
  static net::HttpClientOptions StreamOptions(const KubeWatchOptions& o) {
    net::HttpClientOptions c = Common(o);
    // Quiet for as long as nothing changes (bookmarks come about once a minute), ended by the
    // server after timeoutSeconds. Memory is bounded per line (LineSplitter), not by the total.
    c.total_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.watch_timeout) + o.request_timeout;
    c.low_speed_bytes_per_s = 0;
    c.max_body_bytes = std::numeric_limits<uint64_t>::max();
    // A stream cut at a line boundary looks like the end; watching again from the last
    // resourceVersion loses nothing either way.
    c.require_framed_body = false;
    return c;
  }

  // /api/v1/pods or /api/v1/namespaces/<ns>/pods.
  std::string PodsPath() const {
    return options.namespace_name.empty() ? "/api/v1/pods" : "/api/v1/namespaces/" + options.namespace_name + "/pods";
  }
  std::string Selector() const {
    return options.label_selector.empty() ? "" : "&labelSelector=" + UrlEncode(options.label_selector);
  }

  Result<net::HttpRequest> Request(const std::string& path_and_query) {
    net::HttpRequest request;
    request.url = options.config.server + path_and_query;
    request.cancel = &cancel;
    auto token = ReadBearerToken(options.config);
    if (!token.ok()) return std::move(token.error().Context(options.config.source));
    request.headers.emplace_back("Authorization", "Bearer " + *token);
    request.headers.emplace_back("Accept", "application/json");
    return request;
  }

  // All pages → the pods and the resourceVersion to watch from. A 410 on a later page (the
  // continue token expired) starts over.
  Result<std::vector<KubePod>> List(std::string* rv) {
    std::string base = PodsPath() + "?limit=" + std::to_string(options.page_size) + Selector();
    int restarts = 0;
    for (;;) {
      std::vector<KubePod> pods;
      std::string cont;
      for (size_t page = 1;; ++page) {
        if (page > kMaxPodListPages) {
          return LimitExceeded(options.config.server + ": GET " + base + ": more than " +
                               std::to_string(kMaxPodListPages) + " pages");
        }
        std::string where =
            options.config.server + ": GET " + base + (page > 1 ? " (page " + std::to_string(page) + ")" : "");
        VIGIL_ASSIGN_OR_RETURN(net::HttpRequest request,
                               Request(base + (cont.empty() ? "" : "&continue=" + UrlEncode(cont))));
        VIGIL_ASSIGN_OR_RETURN(net::HttpResponse got, client.Send(request));
        if (got.status == 410 && page > 1 && restarts < kMaxGoneInARow) {
          ++restarts;
          relists.fetch_add(1, std::memory_order_relaxed);
          break;  // from the first page again
        }
        if (got.status != 200) {
          return Unavailable(where + ": HTTP " + std::to_string(got.status) + ": " + StatusMessage(got.body));
        }
        auto parsed = ParsePodList(got.body);
        if (!parsed.ok()) return std::move(parsed.error().Context(where));
        pages.fetch_add(1, std::memory_order_relaxed);
        if (pods.size() + parsed->pods.size() > kMaxKubePods) {
          return LimitExceeded(where + ": " + Cap(pods.size() + parsed->pods.size(), kMaxKubePods, "pods"));
        }
        std::move(parsed->pods.begin(), parsed->pods.end(), std::back_inserter(pods));
        if (parsed->continue_token.empty()) {
          if (parsed->resource_version.empty())
            return Corrupt(where + ": pod list: $.metadata.resourceVersion is missing");
          *rv = std::move(parsed->resource_version);
          return pods;
        }
        cont = std::move(parsed->continue_token);
      }
    }
  }

  void SetResourceVersion(const std::string& rv) {
    std::lock_guard lock(rv_mu);
    resource_version = rv;
  }

  Status OnLine(std::string_view line, std::string* rv, bool* gone) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return OkStatus();
    VIGIL_ASSIGN_OR_RETURN(KubeWatchEvent ev, ParseWatchEvent(line));
    events.fetch_add(1, std::memory_order_relaxed);
    switch (ev.type) {
      case KubeEventType::kAdded:
      case KubeEventType::kModified:
        if (sink.upsert) sink.upsert(ev.pod);
        break;
      case KubeEventType::kDeleted:
        if (sink.removed) sink.removed(ev.pod.pod_namespace, ev.pod.name);
        break;
      case KubeEventType::kBookmark:
        bookmarks.fetch_add(1, std::memory_order_relaxed);
        break;
      case KubeEventType::kError:
        if (ev.status.code == 410) {
          *gone = true;
          return Unavailable(std::string(kGoneMarker) + ev.status.reason + ": " + Quote(ev.status.message, 200));
        }
        return Unavailable("watch ERROR event: code " + std::to_string(ev.status.code) + " " + ev.status.reason + ": " +
                           Quote(ev.status.message, 200));
    }
    gone_in_a_row = 0;
    *rv = ev.resource_version;
    SetResourceVersion(*rv);
    return OkStatus();
  }

  // One watch from *rv. OK: the server ended it (watch again); *gone: the resourceVersion is too
  // old (list again); an error otherwise.
  Status Watch(std::string* rv, bool* gone, bool* opened) {
    std::string query = PodsPath() + "?watch=1&resourceVersion=" + UrlEncode(*rv) +
                        "&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(options.watch_timeout.count()) +
                        Selector();
    std::string where = options.config.server + ": GET " + query;
    VIGIL_ASSIGN_OR_RETURN(net::HttpRequest request, Request(query));
    watches.fetch_add(1, std::memory_order_relaxed);
    LineSplitter lines(kMaxKubeEventLineBytes);
    net::BodySink body;
    body.begin = [&](const net::HttpResponse&) -> Status {
      *opened = true;
      return OkStatus();
    };
    body.write = [&](std::string_view data) -> Status {
      Status s = lines.Feed(data, [&](std::string_view line) { return OnLine(line, rv, gone); });
      if (!s.ok()) s.error().Context(where);
      return s;
    };
    auto got = stream_client.Stream(request, body);
    if (*gone) return OkStatus();
    if (!got.ok()) return got.error();
    if (got->status == 410) {
      *gone = true;
      return OkStatus();
    }
    if (got->status != 200) {
      return Unavailable(where + ": HTTP " + std::to_string(got->status) + ": " + StatusMessage(got->body));
    }
    if (lines.pending() != 0) return Unavailable(where + ": the watch ended inside a line");
    return OkStatus();
  }

  // Lists and watches until a failure; always returns an error. *opened tells whether a watch's
  // body had begun (then the next wait starts again from retry_min).
  Status Session(bool* opened) {
    for (;;) {
      std::string rv;
      VIGIL_ASSIGN_OR_RETURN(std::vector<KubePod> pods, List(&rv));
      lists.fetch_add(1, std::memory_order_relaxed);
      SetResourceVersion(rv);
      if (outage) reconnects.fetch_add(1, std::memory_order_relaxed);
      outage = false;
      if (sink.snapshot) sink.snapshot(std::move(pods));
      connected.store(true, std::memory_order_relaxed);
      for (;;) {
        bool gone = false;
        Status s = Watch(&rv, &gone, opened);
        if (cancel.cancelled()) return Unavailable("cancelled");
        if (gone) {
          if (++gone_in_a_row > kMaxGoneInARow) {
            return Unavailable(options.config.server + ": GET " + PodsPath() +
                               "?watch=1: " + std::to_string(gone_in_a_row) + " answers of 410 Gone in a row");
          }
          relists.fetch_add(1, std::memory_order_relaxed);
          break;  // list again
        }
        if (!s.ok()) return s;
      }
    }
  }

  void Run() {
    std::chrono::milliseconds delay = options.retry_min;
    while (!cancel.cancelled()) {
      bool opened = false;
      Status s = Session(&opened);
      connected.store(false, std::memory_order_relaxed);
      if (cancel.cancelled()) return;
      errors.fetch_add(1, std::memory_order_relaxed);
      gone_in_a_row = 0;
      if (s.ok()) s = Status(InternalError(options.config.server + ": the session ended without an error"));
      if (!outage) {
        outage = true;
        if (sink.stale) sink.stale(s.error());
      }
      if (opened) delay = options.retry_min;
      if (cancel.WaitFor(delay)) return;
      delay = std::min(options.retry_max, delay * 2);
    }
  }

  KubeWatchOptions options;
  Sink sink;
  net::HttpClient client;         // list pages, bounded in time
  net::HttpClient stream_client;  // watches, bounded by watch_timeout + request_timeout
  net::Cancellation cancel;

  std::mutex mu;  // guards thread, started
  std::thread thread;
  bool started = false;

  // The watcher's thread only.
  bool outage = false;    // stale() was called and no snapshot since
  int gone_in_a_row = 0;  // 410s with no event between them

  std::atomic<uint64_t> lists{0}, pages{0}, events{0}, bookmarks{0}, watches{0}, relists{0}, reconnects{0}, errors{0};
  std::atomic<bool> connected{false};
  mutable std::mutex rv_mu;
  std::string resource_version;  // guarded by rv_mu
};

KubeWatcher::KubeWatcher(KubeWatchOptions options, Sink sink)
    : state_(std::make_unique<State>(std::move(options), std::move(sink))) {}

KubeWatcher::~KubeWatcher() { Stop(); }

Status KubeWatcher::Start() {
  State& s = *state_;
  const KubeWatchOptions& o = s.options;
  if (!o.config.server.starts_with("https://")) {
    return InvalidArgument("kube watcher: the server " + Quote(o.config.server) + " is not an https:// URL");
  }
  if (o.config.token.empty() && o.config.token_file.empty()) {
    return InvalidArgument("kube watcher: no bearer token (neither token nor token file)");
  }
  if (!o.namespace_name.empty() && !IsDnsLabel(o.namespace_name)) {
    return InvalidArgument("kube watcher: namespace " + Quote(o.namespace_name) + " is not a DNS label");
  }
  if (o.label_selector.size() > kMaxKubeStringBytes) {
    return InvalidArgument("kube watcher: the label selector is " +
                           Cap(o.label_selector.size(), kMaxKubeStringBytes, "bytes"));
  }
  if (o.page_size == 0 || o.page_size > kMaxPodsPerPage) {
    return InvalidArgument("kube watcher: page_size must be 1.." + std::to_string(kMaxPodsPerPage));
  }
  if (o.watch_timeout.count() < 1) return InvalidArgument("kube watcher: watch_timeout must be at least 1 s");
  if (o.retry_min.count() <= 0 || o.retry_min > o.retry_max) {
    return InvalidArgument("kube watcher: retry_min must be above 0 and at most retry_max");
  }
  std::lock_guard lock(s.mu);
  if (s.started) return InvalidArgument("kube watcher: already started");
  s.started = true;
  s.thread = std::thread([&s] { s.Run(); });
  return OkStatus();
}

void KubeWatcher::Stop() {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  s.started = true;  // no Start() after Stop()
  s.cancel.Cancel();
  if (s.thread.joinable()) {
    assert(s.thread.get_id() != std::this_thread::get_id() && "Stop() from a Sink callback");
    s.thread.join();
  }
}

KubeWatcher::Stats KubeWatcher::stats() const {
  const State& s = *state_;
  Stats out;
  out.lists = s.lists.load(std::memory_order_relaxed);
  out.pages = s.pages.load(std::memory_order_relaxed);
  out.events = s.events.load(std::memory_order_relaxed);
  out.bookmarks = s.bookmarks.load(std::memory_order_relaxed);
  out.watches = s.watches.load(std::memory_order_relaxed);
  out.relists = s.relists.load(std::memory_order_relaxed);
  out.reconnects = s.reconnects.load(std::memory_order_relaxed);
  out.errors = s.errors.load(std::memory_order_relaxed);
  out.connected = s.connected.load(std::memory_order_relaxed);
  std::lock_guard lock(s.rv_mu);
  out.resource_version = s.resource_version;
  return out;
}

}  // namespace vigil::fleet
