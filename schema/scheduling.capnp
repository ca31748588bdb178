@0xb04faa93aa5f140d;
# Group scheduling.k8s.io, version v1: PriorityClass (the priority pods naming it receive).
using Cxx = import "/capnp/c++.capnp";
using Meta = import "meta.capnp";
using Core = import "core.capnp";
$Cxx.namespace("troupe::k8s");

struct PriorityClass $Meta.resource(group = "scheduling.k8s.io", version = "v1",
                                    plural = "priorityclasses", shortNames = ["pc"],
                                    namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  value @3 :Int32 $Meta.always $Meta.required;
  globalDefault @4 :Bool;
  description @5 :Text;
  preemptionPolicy @6 :Core.PreemptionPolicy;
}
