#include "runtime/codec/tree.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/text.hpp"

#include "runtime/base/error.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"

using namespace troupe;
using namespace troupe::codec;

TEST_CASE("plain scalars resolve as YAML does", "[tree]") {
  using T = node::scalar_type;
  CHECK(node::plain("80").resolve() == T::integer);
  CHECK(node::plain("-3").resolve() == T::integer);
  CHECK(node::plain("0644").resolve() == T::integer);
  CHECK(*node::plain("0644").as_integer() == 420);
  CHECK(*node::plain("0x1F").as_integer() == 31);
  CHECK(node::plain("1.5").resolve() == T::number);
  CHECK(node::plain("1e3").resolve() == T::number);
  CHECK(node::plain("true").resolve() == T::boolean);
  CHECK(node::plain("null").resolve() == T::null);
  CHECK(node::plain("~").resolve() == T::null);
  CHECK(node::plain("yes").resolve() == T::string);
  CHECK(node::plain("128Mi").resolve() == T::string);
  CHECK(node::plain("1.2.3").resolve() == T::string);
  CHECK(node::string("80").resolve() == T::string);
  CHECK_FALSE(node::string("80").as_integer());
}

TEST_CASE("YAML streams parse into documents with lines", "[tree][yaml]") {
  auto docs = parse_yaml("a: 1\nb: \"2\"\n---\n- x\n- y\n---\n", "t.yaml");
  REQUIRE(docs.size() >= 2);
  CHECK(docs[0].index == 1);
  CHECK(docs[0].root.find("a")->resolve() == node::scalar_type::integer);
  CHECK(docs[0].root.find("b")->quoted());
  CHECK(docs[0].root.find("b")->line() == 2);
  CHECK(docs[1].root.is_list());
  CHECK(docs[1].root.items().size() == 2);
}

TEST_CASE("YAML errors name the source and line", "[tree][yaml]") {
  try {
    parse_yaml("a: [1, 2\nb: 3\n", "bad.yaml");
    FAIL("parsed");
  } catch (const api_error& e) {
    CHECK_THAT(e.message(), Catch::StartsWith("bad.yaml: invalid YAML at line"));
  }
  try {
    parse_yaml("a: 1\na: 2\n", "dup.yaml");
    FAIL("parsed");
  } catch (const api_error& e) {
    CHECK_THAT(e.message(), Catch::Contains("duplicate key \"a\""));
  }
}

TEST_CASE("YAML output re-reads to the same tree", "[tree][yaml]") {
  node root = node::map();
  root.set("name", node::string("web"));
  root.set("port", node::plain("80"));
  root.set("portName", node::string("80"));
  root.set("flag", node::string("true"));
  root.set("yes", node::string("yes"));
  root.set("empty", node::string(""));
  root.set("colon", node::string("a: b"));
  root.set("dash", node::string("- x"));
  root.set("script", node::string("#!/bin/sh\necho hi\n"));
  root.set("nested", node::map()).set("k", node::string("v"));
  node list = node::list();
  node item = node::map();
  item.set("name", node::string("c1"));
  item.set("args", node::list());
  item.find("args")->push(node::string("--x=1"));
  list.push(item);
  list.push(node::map());
  root.set("items", list);
  root.set("none", node::map());
  root.set("nolist", node::list());
  std::string text = to_yaml(root);
  INFO(text);
  auto back = parse_yaml(text, "out.yaml");
  REQUIRE(back.size() == 1);
  CHECK(back[0].root == root);
  CHECK_THAT(text, Catch::Contains("portName: \"80\""));
  CHECK_THAT(text, Catch::Contains("script: |\n"));
  CHECK_THAT(text, Catch::Contains("items:\n- name: c1\n  args:\n  - --x=1\n- {}\n"));
}

TEST_CASE("JSON parses and prints", "[tree][json]") {
  auto n = parse_json(R"({"a": 1, "b": "x\n\u00e9", "c": [true, null, 1.5], "d": {}})");
  CHECK(n.find("a")->resolve() == node::scalar_type::integer);
  CHECK(n.find("b")->text() == "x\n\xc3\xa9");
  CHECK(n.find("c")->items()[1].is_null());
  CHECK(to_json(n) == R"({"a":1,"b":"x\n)" "\xc3\xa9" R"(","c":[true,null,1.5],"d":{}})");
  CHECK(parse_json(to_json(n, 2)) == n);
  CHECK(to_json(node::string("80")) == "\"80\"");
  CHECK(to_json(node::plain("0644")) == "420");
  // As Go's encoder writes strings: \b and \f short (Go 1.22), other controls as \u00XX; and
  // for kubectl's printers <, >, &, U+2028 and U+2029 escaped, keys kept in their order.
  CHECK(to_json(node::string("\b\f\x01")) == R"("\b\f\u0001")");
  auto html = parse_json(R"({"z": "<a href='x'>&</a>", "a": "line\u2028end"})");
  CHECK(to_json_escaped(html) == R"({"z":"\u003ca href='x'\u003e\u0026\u003c/a\u003e","a":"line\u2028end"})");
  CHECK(to_go_json(html) == R"({"a":"line\u2028end","z":"\u003ca href='x'\u003e\u0026\u003c/a\u003e"})");
  for (auto bad : {"{", "{\"a\" 1}", "[1,]", "{\"a\":1,\"a\":2}", "tru", "\"x", "1 2"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_json(bad), api_error);
  }
}

TEST_CASE("JSON strings read as Go reads them: what is not UTF-8 becomes U+FFFD", "[tree][json]") {
  const std::string replacement = "\xef\xbf\xbd";
  CHECK(parse_json(R"("\ud83d\ude00")").text() == "\xf0\x9f\x98\x80");   // a surrogate pair
  CHECK(parse_json(R"("a\ud800b")").text() == "a" + replacement + "b");  // a lone high half
  CHECK(parse_json(R"("\udc00")").text() == replacement);                // a lone low half
  // A high half whose next escape is no low half: that escape is read on its own.
  CHECK(parse_json(R"("\ud800\u0041")").text() == replacement + "A");
  CHECK(parse_json("\"x\xff\xfey\"").text() == "x" + replacement + replacement + "y");
  CHECK(parse_json("\"\xc3\"").text() == replacement);             // cut short
  CHECK(parse_json("\"\xe2\x82\xac\"").text() == "\xe2\x82\xac");  // the euro sign stays
  CHECK(valid_utf8(parse_json("\"\xed\xa0\x80\"").text()));        // an encoded surrogate
}

TEST_CASE("numbers compare by value and integers as YAML reads them", "[tree]") {
  CHECK(node::plain("1") == node::plain("1.0"));
  CHECK(node::plain("0644") == node::plain("420.0"));  // octal, as kubectl reads modes
  CHECK_FALSE(node::plain("0644") == node::plain("644.0"));
  CHECK(node::plain("2.50") == node::plain("2.5"));
  CHECK_FALSE(node::plain("1") == node::string("1"));  // a string is no number
  CHECK_FALSE(parse_double("nan"));
  CHECK_FALSE(parse_double("inf"));
  CHECK_FALSE(parse_double("0x10"));
  CHECK(parse_double("-1.5e3") == -1500.0);
}

TEST_CASE("a JSON stream is values one after another", "[tree][json]") {
  auto values = parse_json_stream("{\"a\": 1}{\"b\": 2}\n\n [3] \"x\"\n");
  REQUIRE(values.size() == 4);
  CHECK(values[1].find("b")->text() == "2");
  CHECK(values[3].text() == "x");
  CHECK(parse_json_stream(" \n").empty());
  CHECK_THROWS_WITH(parse_json_stream("{} {\"a\":", "f.json"),
                    "f.json: invalid JSON at line 1, column 9: unexpected end of input");
}

TEST_CASE("YAML output quotes what YAML 1.1 would read as a timestamp", "[tree][yaml]") {
  for (const char* stamp :
       {"2026-01-02T03:04:05Z", "2026-01-02", "2026-1-2 03:04:05", "2026-01-02t03:04:05.5+01:00"}) {
    node root = node::map();
    root.set("at", node::string(stamp));
    CHECK(to_yaml(root) == std::string("at: \"") + stamp + "\"\n");
    CHECK(parse_yaml(to_yaml(root), "t")[0].root == root);
  }
  for (const char* plain : {"2026-01", "2026-01-02x", "v2026-01-02", "12026-01-02"}) {
    node root = node::map();
    root.set("at", node::string(plain));
    CHECK(to_yaml(root) == std::string("at: ") + plain + "\n");
  }
}

TEST_CASE("YAML output quotes what YAML 1.1 would read as a number", "[tree][yaml]") {
  for (const char* number : {"1_000", "1:20", "-1_0.5", "190:20:30"}) {
    node root = node::map();
    root.set("v", node::string(number));
    CHECK(to_yaml(root) == std::string("v: \"") + number + "\"\n");
    CHECK(parse_yaml(to_yaml(root), "t")[0].root == root);
  }
  for (const char* plain : {"a_b", "10.0.0.1x", "web:80x"}) {
    node root = node::map();
    root.set("v", node::string(plain));
    CHECK(to_yaml(root) == std::string("v: ") + plain + "\n");
  }
}

TEST_CASE("YAML output quotes as kubectl's printer does: double for other types, single for syntax", "[tree][yaml]") {
  struct row {
    const char* value;
    const char* printed;
  };
  for (auto r : {row{"*/5 * * * *", "'*/5 * * * *'"}, row{"a: b", "'a: b'"}, row{" edge", "' edge'"},
                 row{"it's: x", "'it''s: x'"}, row{"true", "\"true\""}, row{"80", "\"80\""}, row{"", "\"\""},
                 row{"tab\there", "\"tab\\there\""}, row{"-x", "-x"}, row{"plain text", "plain text"}}) {
    node root = node::map();
    root.set("v", node::string(r.value));
    CHECK(to_yaml(root) == std::string("v: ") + r.printed + "\n");
    CHECK(parse_yaml(to_yaml(root), "t")[0].root == root);
  }
}
