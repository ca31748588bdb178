#include "runtime/object/event.hpp"

#include <catch2/catch.hpp>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

using namespace troupe;

TEST_CASE("an event names the object it is about", "[event]") {
  auto kinds = builtin_kinds();
  auto pod = codec::decode_manifests(
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod, uid: u-1, "
                 "resourceVersion: \"7\"}\n"
                 "spec: {containers: [{name: c, image: busybox}]}\n",
                 "test.yaml", kinds)
                 .at(0)
                 .bytes;
  auto bytes = new_event(
      pod, "Pod",
      {"Warning", "Unhealthy", "Liveness probe failed: no", "kubelet", "n1", "spec.containers{c}"},
      1'700'000'000'000'000, 1'700'000'005'000'000, 3);
  object_reader r(bytes);
  auto ev = r.as<k8s::Event>();
  CHECK(text_string(ev.getMetadata().getName()) == "web.17979cfe362a0000");
  CHECK(text_string(ev.getMetadata().getNamespace()) == "prod");
  auto involved = ev.getInvolvedObject();
  CHECK(text_string(involved.getKind()) == "Pod");
  CHECK(text_string(involved.getApiVersion()) == "v1");
  CHECK(text_string(involved.getName()) == "web");
  CHECK(text_string(involved.getUid()) == "u-1");
  CHECK(text_string(involved.getResourceVersion()) == "7");
  CHECK(text_string(involved.getFieldPath()) == "spec.containers{c}");
  CHECK(text_string(ev.getType()) == "Warning");
  CHECK(text_string(ev.getReason()) == "Unhealthy");
  CHECK(text_string(ev.getSource().getComponent()) == "kubelet");
  CHECK(text_string(ev.getSource().getHost()) == "n1");
  CHECK(ev.getCount() == 3);
  CHECK(ev.getFirstTimestamp() == 1'700'000'000);
  CHECK(ev.getLastTimestamp() == 1'700'000'005);

  // A repeat keeps the name it was first given.
  auto again =
      new_event(pod, "Pod", {"Normal", "Killing", "m", "kubelet", "", ""}, 1, 2, 4, "web.abc");
  object_reader a(again);
  CHECK(text_string(a.meta().getName()) == "web.abc");
  CHECK(a.as<k8s::Event>().getCount() == 4);
  CHECK_FALSE(a.as<k8s::Event>().getSource().hasHost());
}
