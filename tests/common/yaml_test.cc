#include "common/yaml.h"

#include <gtest/gtest.h>

#include <string>

#include "common/yaml_node.h"

namespace vigil {
namespace {

// Levels of anchors, each a list of `width` aliases of the level below: width^levels leaves.
std::string Laughs(int levels, int width) {
  std::string text = "a0: &a0 [";
  for (int i = 0; i < width; ++i) text += i ? ", lol" : "lol";
  text += "]\n";
  for (int l = 1; l < levels; ++l) {
    std::string name = "a" + std::to_string(l), below = "*a" + std::to_string(l - 1);
    text += name + ": &" + name + " [";
    for (int i = 0; i < width; ++i) text += (i ? ", " : "") + below;
    text += "]\n";
  }
  return text;
}

TEST(YamlGuard, BillionLaughsIsRefusedAtTheOffendingAlias) {
  std::string text = Laughs(9, 9);  // 9^9 = 387,420,489 leaves
  Result<YamlStats> r = CheckYaml(text, "laughs.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  const std::string& m = r.error().message();
  // 100 nodes written, so at most 4 x 100 + 100,000 expanded: the first alias of a4 (66,430
  // nodes; line 6, column 10) takes the running count from 74,740 to 141,170.
  EXPECT_TRUE(m.starts_with("laughs.yaml:6:10: alias *a4 makes the document expand to more than 100400 nodes")) << m;
  EXPECT_NE(m.find("billion laughs"), std::string::npos) << m;
  // LoadYaml refuses it the same way, before a tree is built.
  Result<YAML::Node> n = LoadYaml(text, "laughs.yaml");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().message(), m);
}

TEST(YamlGuard, ExactLineAndColumnOfTheAlias) {
  // 20,009 nodes written; the alias on line 3 adds 20,001 expanded ones.
  std::string big = "[";
  for (int i = 0; i < 20'000; ++i) big += i ? ",x" : "x";
  big += "]";
  std::string text = "k: &big " + big + "\nok: 1\nbad: [1, *big]\n";
  YamlLimits limits;
  limits.expanded_factor = 1;
  limits.expanded_extra = 1000;
  Result<YamlStats> r = CheckYaml(text, "f.yaml", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message().starts_with("f.yaml:3:10: alias *big makes the document expand to more than 21009"))
      << r.error().message();
  // With the default constant it is accepted: the document doubles, which is within 4 x.
  Result<YamlStats> ok = CheckYaml(text, "f.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->aliases, 1u);
  EXPECT_EQ(ok->expanded_nodes, ok->nodes - 1 + 20'001);
}

TEST(YamlGuard, DeepNestingIsRefusedWithItsPosition) {
  Result<YamlStats> r = CheckYaml(std::string(300, '[') + std::string(300, ']'), "deep.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(r.error().message(), "deep.yaml:1:257: nested deeper than 256 levels");
  // Unclosed, yaml-cpp reads each '[' as a list holding a one-pair map: 256 levels are reached
  // half-way. What matters: refused as too deep, not a stack overflow.
  Result<YamlStats> open = CheckYaml(std::string(1'000'000, '['), "deep.yaml");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(open.error().message(), "deep.yaml:1:129: nested deeper than 256 levels");
  // Block style too: 300 nested mappings.
  std::string block;
  for (int i = 0; i < 300; ++i) block += std::string(i, ' ') + "k:\n";
  Result<YamlStats> b = CheckYaml(block, "block.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.error().message().starts_with("block.yaml:257:")) << b.error().message();
  // 256 levels are allowed.
  Result<YamlStats> at = CheckYaml(std::string(256, '[') + std::string(256, ']'), "d.yaml");
  ASSERT_TRUE(at.ok()) << at.error().message();
  EXPECT_EQ(at->depth, 256u);
}

TEST(YamlGuard, AnAliasCountsTheDepthOfItsAnchor) {
  // Each level nests the one below one deeper: 40 levels of 10 = 400 once expanded.
  std::string text = "l0: &l0 " + std::string(10, '[') + std::string(10, ']') + "\n";
  for (int l = 1; l < 40; ++l) {
    text += "l" + std::to_string(l) + ": &l" + std::to_string(l) + " " + std::string(9, '[') + "*l" +
            std::to_string(l - 1) + std::string(9, ']') + "\n";
  }
  Result<YamlStats> r = CheckYaml(text, "d.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nests the document deeper than 256 levels once expanded"), std::string::npos)
      << r.error().message();
}

TEST(YamlGuard, ManyAliasesAreRefused) {
  std::string text = "a: &a x\nlist:\n";
  for (int i = 0; i < 10'001; ++i) text += "- *a\n";
  Result<YamlStats> r = CheckYaml(text, "many.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "many.yaml:10003:3: more than 10000 aliases");
  YamlLimits more;
  more.max_aliases = 20'000;
  EXPECT_TRUE(CheckYaml(text, "many.yaml", more).ok());
}

TEST(YamlGuard, ACycleIsRefused) {
  Result<YamlStats> r = CheckYaml("a: &a [x, *a]\n", "c.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(r.error().message().starts_with("c.yaml:1:11: alias *a refers to a node that contains it"))
      << r.error().message();
}

TEST(YamlGuard, SizeIsCheckedBeforeParsing) {
  YamlLimits limits;
  limits.max_bytes = 10;
  // Not even YAML: the size is refused first.
  Result<YamlStats> r = CheckYaml("[[[[[[[[[[[[[[[[[", "big.yaml", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "big.yaml: YAML document of 17 bytes exceeds the limit of 10 bytes");
}

TEST(YamlGuard, MalformedYamlIsCorruptWithItsPosition) {
  Result<YamlStats> r = CheckYaml("a: [1, 2\nb: 3\n", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(r.error().message().starts_with("bad.yaml:")) << r.error().message();
  EXPECT_NE(r.error().message().find("malformed YAML"), std::string::npos);
  Result<YamlStats> undefined = CheckYaml("a: *nowhere\n", "u.yaml");
  ASSERT_FALSE(undefined.ok());
  EXPECT_EQ(undefined.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(undefined.error().message().starts_with("u.yaml:1:4")) << undefined.error().message();
}

TEST(YamlGuard, LegitimateAnchorsAreAccepted) {
  // The docker-compose / CI habit: a block of defaults reused a few times.
  const char* text = R"(defaults: &defaults
  image: alpine:3.19
  env: [A=1, B=2, C=3]
  limits: {cpu: 1, memory: 512Mi}
one:
  <<: *defaults
  name: one
two:
  <<: *defaults
  name: two
three:
  settings: *defaults
  tags: &tags [a, b]
  more_tags: *tags
)";
  Result<YamlStats> r = CheckYaml(text, "ok.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->aliases, 4u);
  EXPECT_GT(r->expanded_nodes, r->nodes);
  EXPECT_EQ(r->depth, 4u);  // the top map > one > <<: *defaults (a map) > env (a list)
  Result<YAML::Node> n = LoadYaml(text, "ok.yaml");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ((*n)["three"]["more_tags"][1].as<std::string>(), "b");
  EXPECT_EQ((*n)["three"]["settings"]["image"].as<std::string>(), "alpine:3.19");
}

TEST(YamlGuard, EmptyAndScalarDocuments) {
  Result<YamlStats> empty = CheckYaml("", "e.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->nodes, 0u);
  Result<YAML::Node> n = LoadYaml("", "e.yaml");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->IsNull());
  Result<YamlStats> scalar = CheckYaml("hello\n", "s.yaml");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->nodes, 1u);
  EXPECT_EQ(scalar->depth, 0u);
}

TEST(YamlGuard, OnlyTheFirstDocumentIsRead) {
  // As YAML::Load: a later document is neither loaded nor checked.
  std::string text = "a: 1\n---\n" + Laughs(9, 9);
  Result<YAML::Node> n = LoadYaml(text, "multi.yaml");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ((*n)["a"].as<std::string>(), "1");
}

TEST(YamlLocation, OneBasedOrJustTheName) {
  YAML::Mark m;
  m.line = 2;
  m.column = 4;
  EXPECT_EQ(YamlLocation("x.yaml", m), "x.yaml:3:5");
  EXPECT_EQ(YamlLocation("x.yaml", YAML::Mark::null_mark()), "x.yaml");
}

// Several documents: each passes the guard, and so does the text as a whole.
TEST(YamlGuard, AllDocumentsAreLoadedAfterEachPassedTheGuard) {
  Result<std::vector<YAML::Node>> docs = LoadAllYaml("---\na: 1\n---\nb: &x [1]\nc: *x\n---\n", "m.yaml");
  ASSERT_TRUE(docs.ok()) << docs.error().message();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0]["a"].as<int>(), 1);
  EXPECT_EQ((*docs)[1]["c"][0].as<int>(), 1);
  EXPECT_TRUE((*docs)[2].IsNull());
  Result<YamlStats> stats = CheckAllYaml("---\na: 1\n---\nb: &x [1]\nc: *x\n", "m.yaml");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->documents, 2u);
  EXPECT_EQ(stats->aliases, 1u);
  // An empty text: no document. LoadYaml reads the first document only.
  Result<std::vector<YAML::Node>> none = LoadAllYaml("", "e.yaml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  Result<YAML::Node> first = LoadYaml("a: 1\n---\nb: 2\n", "m.yaml");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE((*first)["b"]);
}

TEST(YamlGuard, EveryDocumentIsGuardedNotOnlyTheFirst) {
  // A harmless first document, then billion laughs: CheckYaml sees only the first, the
  // multi-document guard refuses the second with its position.
  std::string text = "a: 1\n---\n" + Laughs(9, 9);
  ASSERT_TRUE(CheckYaml(text, "m.yaml").ok());
  Result<std::vector<YAML::Node>> docs = LoadAllYaml(text, "m.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(docs.error().message().starts_with("m.yaml:8:10: alias *a4")) << docs.error().message();
  // Depth, per document.
  Result<YamlStats> deep = CheckAllYaml("a: 1\n---\n" + std::string(300, '[') + std::string(300, ']'), "d.yaml");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().message(), "d.yaml:3:257: nested deeper than 256 levels");
  // Malformed YAML in a later document: kCorrupt.
  Result<YamlStats> bad = CheckAllYaml("a: 1\n---\nb: [\n", "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  // The size limit is checked before anything is parsed.
  YamlLimits small;
  small.max_bytes = 8;
  Result<YamlStats> big = CheckAllYaml("a: 1\n---\nb: 2\n", "s.yaml", small);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimitExceeded);
}

TEST(YamlGuard, LimitsAddUpOverDocuments) {
  // Each document alone is within its bound (170 nodes written, 970 expanded; 4 x 170 + 1,000),
  // but 50 of them expand to 48,500, more than 4 x 8,500 + 1,000: refused as a whole.
  std::string big = "[";
  for (int i = 0; i < 160; ++i) big += i ? ",x" : "x";
  big += "]";
  std::string doc = "k: &a " + big + "\nv: [*a, *a, *a, *a, *a]\n";
  YamlLimits limits;
  limits.expanded_extra = 1000;
  ASSERT_TRUE(CheckAllYaml(doc, "one.yaml", limits).ok());
  std::string many;
  for (int i = 0; i < 50; ++i) many += "---\n" + doc;
  Result<YamlStats> r = CheckAllYaml(many, "many.yaml", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().message().find("50 documents expand to more than"), std::string::npos) << r.error().message();
  // Aliases are counted over the whole text.
  YamlLimits few;
  few.max_aliases = 7;
  Result<YamlStats> a = CheckAllYaml(doc + "---\n" + doc, "a.yaml", few);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("more than 7 aliases"), std::string::npos) << a.error().message();
}

// Regression (fuzz/yaml_guard): yaml-cpp 0.7 yields empty documents for ever on this text; the
// multi-document check refuses it instead of hanging, and so no load of it is attempted.
TEST(YamlGuard, AStreamTheParserCannotGetPastIsRefusedNotAHang) {
  for (std::string text : {std::string(", *&a [x, *a]\n"), std::string(" *&a [x, *a]\n")}) {
    Result<YamlStats> stats = CheckAllYaml(text, "stuck.yaml");
    ASSERT_FALSE(stats.ok()) << text;
    EXPECT_EQ(stats.error().code(), ErrorCode::kCorrupt) << text;
    EXPECT_EQ(stats.error().message().rfind("stuck.yaml", 0), 0u) << stats.error().message();
    Result<std::vector<YAML::Node>> docs = LoadAllYaml(text, "stuck.yaml");
    EXPECT_FALSE(docs.ok()) << text;
  }
}

}  // namespace
}  // namespace vigil
