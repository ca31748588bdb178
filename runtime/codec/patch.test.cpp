#include "runtime/codec/patch.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"

using namespace troupe::codec;

namespace {

node yaml(const char* text) { return parse_yaml(text, "test").at(0).root; }

}  // namespace

TEST_CASE("merge patch follows RFC 7386", "[patch]") {
  struct row {
    const char* target;
    const char* patch;
    const char* expected;
  };
  auto r = GENERATE(values<row>({
      {"{a: b}", "{a: c}", "{a: c}"},
      {"{a: b}", "{b: c}", "{a: b, b: c}"},
      {"{a: b}", "{a: null}", "{}"},
      {"{a: b, b: c}", "{a: null}", "{b: c}"},
      {"{a: [b]}", "{a: c}", "{a: c}"},
      {"{a: c}", "{a: [b]}", "{a: [b]}"},
      {"{a: {b: c}}", "{a: {b: d, c: null}}", "{a: {b: d}}"},
      {"{a: [{b: c}]}", "{a: [1]}", "{a: [1]}"},
      {"{e: null}", "{a: 1}", "{e: null, a: 1}"},
      {"{}", "{a: {bb: {ccc: null}}}", "{a: {bb: {}}}"},
  }));
  CAPTURE(r.target, r.patch);
  CHECK(to_yaml(merge_patch(yaml(r.target), yaml(r.patch))) == to_yaml(yaml(r.expected)));
}

TEST_CASE("strategic merge merges named lists by key", "[patch]") {
  struct row {
    const char* target;
    const char* patch;
    const char* expected;
  };
  auto r = GENERATE(values<row>({
      // containers merge by name: one changes, one stays, one is added at the end
      {"{containers: [{name: a, image: x}, {name: b, image: y}]}",
       "{containers: [{name: b, image: z}, {name: c, image: w}]}",
       "{containers: [{name: a, image: x}, {name: b, image: z}, {name: c, image: w}]}"},
      // $patch: delete removes one item
      {"{env: [{name: A, value: '1'}, {name: B, value: '2'}]}",
       "{env: [{name: A, $patch: delete}]}", "{env: [{name: B, value: '2'}]}"},
      // container ports merge by containerPort, service ports by port
      {"{containers: [{name: a, ports: [{containerPort: 80, protocol: TCP}]}]}",
       "{containers: [{name: a, ports: [{containerPort: 80, name: http}]}]}",
       "{containers: [{name: a, ports: [{containerPort: 80, protocol: TCP, name: http}]}]}"},
      {"{spec: {ports: [{port: 80, targetPort: 8080}]}}", "{spec: {ports: [{port: 443}]}}",
       "{spec: {ports: [{port: 80, targetPort: 8080}, {port: 443}]}}"},
      // an Endpoints subset's ports have no merge key: they replace
      {"{subsets: [{ports: [{port: 80}]}]}", "{subsets: [{ports: [{port: 443}]}]}",
       "{subsets: [{ports: [{port: 443}]}]}"},
      // lists Kubernetes does not tag replace, even when their items have names
      {"{subjects: [{kind: User, name: alice}, {kind: User, name: bob}]}",
       "{subjects: [{kind: User, name: carol}]}", "{subjects: [{kind: User, name: carol}]}"},
      // finalizers merge as a set; $deleteFromPrimitiveList takes values out
      {"{metadata: {finalizers: [a, b]}}", "{metadata: {finalizers: [b, c]}}",
       "{metadata: {finalizers: [a, b, c]}}"},
      {"{metadata: {finalizers: [a, b]}}",
       "{metadata: {$deleteFromPrimitiveList/finalizers: [a], finalizers: [c]}}",
       "{metadata: {finalizers: [b, c]}}"},
      // owner references merge by uid
      {"{metadata: {ownerReferences: [{uid: u1, name: x}]}}",
       "{metadata: {ownerReferences: [{uid: u2, name: x}]}}",
       "{metadata: {ownerReferences: [{uid: u1, name: x}, {uid: u2, name: x}]}}"},
      // $patch in a map replaces or removes it
      {"{metadata: {labels: {a: '1', b: '2'}}}", "{metadata: {labels: {$patch: replace, x: y}}}",
       "{metadata: {labels: {x: y}}}"},
      {"{metadata: {name: n, labels: {a: '1'}}}", "{metadata: {labels: {$patch: delete}}}",
       "{metadata: {name: n}}"},
      // an item {$patch: replace} makes a keyed list replace
      {"{containers: [{name: a, image: x}, {name: b, image: y}]}",
       "{containers: [{name: c, image: z}, {$patch: replace}]}", "{containers: [{name: c, image: z}]}"},
      // $retainKeys drops the keys of a union the patch does not name
      {"{spec: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}}",
       "{spec: {strategy: {$retainKeys: [type], type: Recreate}}}", "{spec: {strategy: {type: Recreate}}}"},
      // $setElementOrder orders the merged list
      {"{containers: [{name: a}, {name: b}]}",
       "{$setElementOrder/containers: [{name: b}, {name: a}], containers: [{name: b, image: y}]}",
       "{containers: [{name: b, image: y}, {name: a}]}"},
      // lists of scalars replace
      {"{args: [a, b]}", "{args: [c]}", "{args: [c]}"},
      // a keyed item's own maps merge, nulls delete inside it
      {"{containers: [{name: a, resources: {limits: {cpu: 1}}, workingDir: /x}]}",
       "{containers: [{name: a, resources: {requests: {cpu: 1}}, workingDir: null}]}",
       "{containers: [{name: a, resources: {limits: {cpu: 1}, requests: {cpu: 1}}}]}"},
  }));
  CAPTURE(r.target, r.patch);
  CHECK(to_yaml(strategic_merge_patch(yaml(r.target), yaml(r.patch))) == to_yaml(yaml(r.expected)));
}

TEST_CASE("a keyed list's patch item without its key is refused", "[patch]") {
  CHECK_THROWS_WITH(strategic_merge_patch(yaml("{containers: [{name: a, image: x}]}"),
                                          yaml("{containers: [{image: noname, ports: [{containerPort: 80}]}]}")),
                    "map: map[image:noname ports:[map[containerPort:80]]] does not contain declared merge key: name");
  CHECK_THROWS_WITH(strategic_merge_patch(yaml("{env: [{name: A, value: '1'}]}"), yaml("{env: [{$patch: delete}]}")),
                    "map: map[$patch:delete] does not contain declared merge key: name");
  // A list that is not there yet is set as it is, and one a {$patch: replace} item replaces.
  CHECK_NOTHROW(strategic_merge_patch(yaml("{}"), yaml("{containers: [{image: x}]}")));
  CHECK(to_yaml(strategic_merge_patch(yaml("{containers: [{name: a, image: x}]}"),
                                      yaml("{containers: [{$patch: replace}, {image: y}]}"))) ==
        to_yaml(yaml("{containers: [{image: y}]}")));
}

TEST_CASE("three-way patch deletes what the user dropped keeps what others set",
          "[patch]") {
  auto last = yaml(R"(
metadata: {name: web, labels: {app: web, tier: front}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - {name: web, image: nginx, args: [a]}
      - {name: sidecar, image: busybox}
)");
  auto desired = yaml(R"(
metadata: {name: web, labels: {app: web}}
spec:
  template:
    spec:
      containers:
      - {name: web, image: nginx:2}
)");
  // What the server holds: the last applied state plus fields others wrote.
  auto live = yaml(R"(
metadata: {name: web, uid: u1, labels: {app: web, tier: front, team: x}}
spec:
  replicas: 2
  strategy: {type: RollingUpdate}
  template:
    spec:
      restartPolicy: Always
      containers:
      - {name: web, image: nginx, args: [a], imagePullPolicy: Always}
      - {name: sidecar, image: busybox}
)");
  auto result = strategic_merge_patch(live, three_way_patch(last, desired));
  auto expected = yaml(R"(
metadata: {name: web, uid: u1, labels: {app: web, team: x}}
spec:
  strategy: {type: RollingUpdate}
  template:
    spec:
      restartPolicy: Always
      containers:
      - {name: web, image: "nginx:2", imagePullPolicy: Always}
)");
  CHECK(to_yaml(result) == to_yaml(expected));
  // Applying the same manifest again changes nothing.
  CHECK(strategic_merge_patch(result, three_way_patch(desired, desired)) == result);
}

TEST_CASE("JSON patch follows RFC 6902", "[patch]") {
  struct row {
    const char* target;
    const char* ops;
    const char* expected;
  };
  auto r = GENERATE(values<row>({
      {R"({"a": 1})", R"([{"op": "add", "path": "/b", "value": {"c": [1]}}])",
       R"({"a": 1, "b": {"c": [1]}})"},
      {R"({"l": [1, 3]})", R"([{"op": "add", "path": "/l/1", "value": 2}])", R"({"l": [1, 2, 3]})"},
      {R"({"l": [1]})", R"([{"op": "add", "path": "/l/-", "value": 2}])", R"({"l": [1, 2]})"},
      {R"({"metadata": {"finalizers": ["a", "b"]}})",
       R"([{"op": "remove", "path": "/metadata/finalizers/0"}])",
       R"({"metadata": {"finalizers": ["b"]}})"},
      {R"({"a": 1})", R"([{"op": "replace", "path": "/a", "value": "x"}])", R"({"a": "x"})"},
      {R"({"a": {"b": 1}, "c": {}})", R"([{"op": "move", "from": "/a/b", "path": "/c/d"}])",
       R"({"a": {}, "c": {"d": 1}})"},
      {R"({"a": [1]})", R"([{"op": "copy", "from": "/a", "path": "/b"}])",
       R"({"a": [1], "b": [1]})"},
      {R"({"a/b": 1, "m~n": 2})",
       R"([{"op": "remove", "path": "/a~1b"}, {"op": "replace", "path": "/m~0n", "value": 3}])",
       R"({"m~n": 3})"},
      {R"({"a": 1})",
       R"([{"op": "test", "path": "/a", "value": 1}, {"op": "add", "path": "/b", "value": 2}])",
       R"({"a": 1, "b": 2})"},
      {R"({"a": 1, "b": [2.50]})",  // numbers compare by value
       R"([{"op": "test", "path": "/a", "value": 1.0}, {"op": "test", "path": "/b", "value": [2.5]}])",
       R"({"a": 1, "b": [2.5]})"},
  }));
  CAPTURE(r.target, r.ops);
  CHECK(json_patch(yaml(r.target), yaml(r.ops)) == yaml(r.expected));
}

TEST_CASE("JSON patch names the operation that cannot apply", "[patch]") {
  auto target = yaml(R"({"a": 1, "l": [1]})");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "remove", "path": "/nope"}])")),
                    "json patch operation 0 (remove /nope): path not found");
  CHECK_THROWS_WITH(
      json_patch(
          target,
          yaml(
              R"([{"op": "add", "path": "/b", "value": 1}, {"op": "replace", "path": "/x/y", "value": 1}])")),
      "json patch operation 1 (replace /x/y): path not found");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "add", "path": "/l/5", "value": 1}])")),
                    "json patch operation 0 (add /l/5): index \"5\" is out of range");
  CHECK_THROWS_WITH(
      json_patch(target, yaml(R"([{"op": "remove", "path": "/l/99999999999999999999999"}])")),
      "json patch operation 0 (remove /l/99999999999999999999999): path not found");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "test", "path": "/a", "value": 2}])")),
                    "json patch operation 0 (test /a): testing value /a failed");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "test", "path": "/a", "value": "1"}])")),
                    "json patch operation 0 (test /a): testing value /a failed");  // a string is no number
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "frob", "path": "/a"}])")),
                    "json patch operation 0 (frob /a): unknown op \"frob\" (add, remove, replace, "
                    "move, copy or test)");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"({"op": "add"})")),
                    "a JSON patch must be a list of operations");
  CHECK_THROWS_WITH(json_patch(target, yaml(R"([{"op": "add", "path": "a", "value": 1}])")),
                    "json patch operation 0 (add a): path \"a\" must start with /");
}

TEST_CASE("JSON patch is held to Kubernetes' operation and copy limits", "[patch]") {
  // Each copy doubles the list: 22 of them once took seconds and a gigabyte.
  std::string ops = R"([{"op": "add", "path": "/l", "value": ["0123456789"]})";
  for (int i = 0; i < 40; ++i) ops += R"(, {"op": "copy", "from": "/l", "path": "/l/-"})";
  ops += "]";
  try {
    json_patch(yaml(R"({"a": 1})"), yaml(ops.c_str()));
    FAIL("the copies were applied");
  } catch (const troupe::api_error& e) {
    CHECK(e.code() == troupe::api_errc::bad_request);
    // 2^18 strings of 12 bytes with their commas pass 3 MiB on the 19th copy.
    CHECK_THAT(e.message(),
               Catch::StartsWith(
                   "Unable to complete the copy, the accumulated size increase of copy is ") &&
                   Catch::EndsWith(", exceeding the limit 3145728"));
  }
  // Copies that stay within the limit apply.
  std::string few =
      R"([{"op": "add", "path": "/l", "value": [1]}, {"op": "copy", "from": "/l", "path": "/m"}])";
  CHECK(json_patch(yaml(R"({"a": 1})"), yaml(few.c_str())) ==
        yaml(R"({"a": 1, "l": [1], "m": [1]})"));

  std::string many = "[";
  for (int i = 0; i <= 10000; ++i)
    many += std::string(i ? "," : "") + R"({"op": "test", "path": "/a", "value": 1})";
  many += "]";
  try {
    json_patch(yaml(R"({"a": 1})"), yaml(many.c_str()));
    FAIL("10,001 operations were applied");
  } catch (const troupe::api_error& e) {
    CHECK(e.code() == troupe::api_errc::request_entity_too_large);
    CHECK(e.message() == "The allowed maximum operations in a JSON patch is 10000, got 10001");
  }
}

TEST_CASE("three-way patch sends what kubectl sends for sets and unions", "[patch]") {
  auto last = yaml(R"(
metadata: {name: web, finalizers: [user.example.com/a, user.example.com/b]}
spec:
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}
  template:
    spec:
      volumes: [{name: v, configMap: {name: c}}]
)");
  auto desired = yaml(R"(
metadata: {name: web, finalizers: [user.example.com/a]}
spec:
  strategy: {type: Recreate}
  template:
    spec:
      volumes: [{name: v, secret: {secretName: s}}]
)");
  // The server's copy has a finalizer a controller added, and defaults.
  auto live = yaml(R"(
metadata: {name: web, finalizers: [user.example.com/a, user.example.com/b, controller.example.com/protect]}
spec:
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}}
  template:
    spec:
      volumes: [{name: v, configMap: {name: c, defaultMode: 420}}]
)");
  auto result = strategic_merge_patch(live, three_way_patch(last, desired));
  auto expected = yaml(R"(
metadata: {name: web, finalizers: [user.example.com/a, controller.example.com/protect]}
spec:
  strategy: {type: Recreate}
  template:
    spec:
      volumes: [{name: v, secret: {secretName: s}}]
)");
  CHECK(to_yaml(result) == to_yaml(expected));
  CHECK(strategic_merge_patch(result, three_way_patch(desired, desired)) == result);
  // Applied again unchanged, the union keeps what the server filled in.
  CHECK(strategic_merge_patch(live, three_way_patch(last, last)) == live);
  // The first apply of an object made without a record still sends the union's keys.
  auto first = three_way_patch(node(), desired);
  REQUIRE(first.find("spec")->find("strategy")->find("$retainKeys"));
}

TEST_CASE("strategic merge refuses directives it cannot apply", "[patch]") {
  auto live = yaml("{containers: [{name: a, image: x}, {name: b, image: y}]}");
  // A $retainKeys without the item's own key would leave an item without its merge key.
  CHECK_THROWS_WITH(
      strategic_merge_patch(live, yaml("{containers: [{name: a, $retainKeys: [image], image: z}, "
                                       "{name: b, image: w}]}")),
      Catch::Contains("$retainKeys: \"name\" is set by the patch but not retained"));
  CHECK_THROWS_WITH(strategic_merge_patch(live, yaml("{containers: [{name: a, $patch: explode}]}")),
                    Catch::Contains("unknown patch type: \"explode\""));
  // Retained, the key stays and the list still merges by it.
  auto kept = strategic_merge_patch(
      live, yaml("{containers: [{name: a, $retainKeys: [name, image], image: z}, {name: b, image: w}]}"));
  CHECK(to_yaml(kept) == to_yaml(yaml("{containers: [{name: a, image: z}, {name: b, image: w}]}")));
}

TEST_CASE("three-way patch reorders a keyed list the user reordered", "[patch]") {
  auto last = yaml("{containers: [{name: c, env: [{name: A, value: '1'}, {name: B, value: '$(A)'}]}]}");
  auto desired = yaml("{containers: [{name: c, env: [{name: B, value: '$(A)'}, {name: A, value: '1'}]}]}");
  auto live = yaml("{containers: [{name: c, env: [{name: A, value: '1'}, {name: B, value: '$(A)'}, "
                   "{name: C, value: added}]}]}");
  auto result = strategic_merge_patch(live, three_way_patch(last, desired));
  CHECK(to_yaml(result) ==
        to_yaml(yaml("{containers: [{name: c, env: [{name: B, value: '$(A)'}, {name: A, value: '1'}, "
                     "{name: C, value: added}]}]}")));
  // Unchanged order sends no order.
  CHECK(to_json(three_way_patch(last, last)).find("$setElementOrder") == std::string::npos);
}
