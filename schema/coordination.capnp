@0xd76e454eb03d2f9b;
# Group coordination.k8s.io, version v1: Lease (node heartbeats, leader election).
using Cxx = import "/capnp/c++.capnp";
using Meta = import "meta.capnp";
$Cxx.namespace("troupe::k8s");

struct LeaseSpec {
  holderIdentity @0 :Text;
  leaseDurationSeconds :union { unset @1 :Void; value @2 :Int32; }
  acquireTime @3 :Int64 $Meta.rfc3339Micro;
  renewTime @4 :Int64 $Meta.rfc3339Micro;
  leaseTransitions :union { unset @5 :Void; value @6 :Int32; }
}

struct Lease $Meta.resource(group = "coordination.k8s.io", version = "v1", plural = "leases",
                            namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :LeaseSpec;
}
