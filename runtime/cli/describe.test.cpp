#include "runtime/cli/describe.hpp"

#include <catch2/catch.hpp>

#include "runtime/codec/yaml.hpp"

using namespace troupe;
using namespace troupe::cli;

TEST_CASE("tabbed aligns column blocks as Go's tabwriter does for kubectl", "[cli][describe]") {
  // A block ends at a line without a cell in the column; the last cell of a line is not one.
  CHECK(tabbed("Name:\tweb\nService Account:\tdefault\nIPs:\n  IP:\t10.0.0.1\nQoS "
               "Class:\tBurstable\n") ==
        "Name:             web\n"
        "Service Account:  default\n"
        "IPs:\n"
        "  IP:       10.0.0.1\n"
        "QoS Class:  Burstable\n");
  // Nested columns: the Port line's name is a column of its own.
  CHECK(tabbed("Port:\thttp\t80/TCP\nTargetPort:\t8080/TCP\n") ==
        "Port:        http  80/TCP\n"
        "TargetPort:  8080/TCP\n");
  // Empty cells pad like others; text without a newline at the end keeps it so.
  CHECK(tabbed("a\t\tc\nlonger\tb\tc") == "a          c\nlonger  b  c");
  CHECK(tabbed("") == "");
  CHECK(tabbed("\n") == "\n");
}

TEST_CASE("tabbed with kubectl's printer settings keeps a minimum width and indents with tabs", "[cli]") {
  // minwidth 6, padding 3: the widest cell plus three, but never under six.
  CHECK(tabbed("a\tb\nlonger\tc\n", kubectl_tab_writer) == "a        b\nlonger   c\n");
  CHECK(tabbed("ab\tc\n", kubectl_tab_writer) == "ab    c\n");
  // Widths count code points, as Go counts runes.
  CHECK(tabbed("\u00e9\tb\nab\tc\n", kubectl_tab_writer) == "\u00e9     b\nab    c\n");
  // TabIndent: leading empty cells become tabs (6 rounded up to 8, two tabs of 4); a cell
  // with text in it pads with spaces.
  CHECK(tabbed("\tx\n\ty\n", kubectl_tab_writer) == "\t\tx\n\t\ty\n");
  CHECK(tabbed("a\t\tx\n", kubectl_tab_writer) == "a     " "      x\n");
}

TEST_CASE("labels and annotations blocks follow kubectl", "[cli][describe]") {
  auto meta = codec::parse_yaml(R"(
labels: {b: "2", a: "1"}
annotations:
  z: short
  kubectl.kubernetes.io/last-applied-configuration: '{}'
  m: "line one\nline two\n"
)",
                                "t")
                  .at(0)
                  .root;
  tab_text w;
  write_labels(w, "", "Labels", meta.find("labels"));
  write_annotations(w, "", "Annotations", meta.find("annotations"));
  write_labels(w, "  ", "Node-Selectors", nullptr);
  CHECK(w.str() ==
        "Labels:            a=1\n"
        "                   b=2\n"
        "Annotations:       m:\n"
        "                     line one\n"
        "                     line two\n"
        "                   z: short\n"
        "  Node-Selectors:  <none>\n");
  CHECK(rfc1123z("2026-12-01T11:57:30Z") == "Tue, 01 Dec 2026 11:57:30 +0000");
  CHECK(rfc1123z("", "<unset>") == "<unset>");
}

TEST_CASE("describe secret shows each key's size and never its value", "[cli][describe]") {
  auto secret = codec::parse_yaml(R"(
metadata: {name: s, namespace: default, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"data":{"k":"dmFsdWU="}}'}}
type: kubernetes.io/basic-auth
data: {password: aHVudGVyMjI=, a: YQ==, unpadded: YWI, empty: ""}
)",
                                  "t")
                    .at(0)
                    .root;
  CHECK(describe_secret(secret) ==
        "Name:         s\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  kubernetes.io/basic-auth\n"
        "\n"
        "Data\n"
        "====\n"
        "a:         1 bytes\n"
        "empty:     0 bytes\n"
        "password:  8 bytes\n"
        "unpadded:  2 bytes\n");
}
