@0xd74893fa0e54f301;
# Group networking.k8s.io, version v1: Ingress.
using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Meta = import "meta.capnp";
using Core = import "core.capnp";
$Cxx.namespace("troupe::k8s");

struct ServiceBackendPort {
  name @0 :Text;
  number @1 :Int32;
}

struct IngressServiceBackend {
  name @0 :Text $Meta.required;
  port @1 :ServiceBackendPort;
}

struct IngressBackend {
  service @0 :IngressServiceBackend;
  resource @1 :Meta.TypedLocalObjectReference;
}

enum PathType {
  unspecified @0;
  exact @1 $Json.name("Exact");
  prefix @2 $Json.name("Prefix");
  implementationSpecific @3 $Json.name("ImplementationSpecific");
}

struct HttpIngressPath {
  path @0 :Text;
  pathType @1 :PathType $Meta.required;
  backend @2 :IngressBackend $Meta.required;
}

struct HttpIngressRuleValue {
  paths @0 :List(HttpIngressPath) $Meta.required;
}

struct IngressRule {
  host @0 :Text;
  http @1 :HttpIngressRuleValue;
}

struct IngressTls {
  hosts @0 :List(Text);
  secretName @1 :Text;
}

struct IngressSpec {
  ingressClassName @0 :Text;
  defaultBackend @1 :IngressBackend;
  tls @2 :List(IngressTls);
  rules @3 :List(IngressRule);
}

struct IngressStatus {
  loadBalancer @0 :Core.LoadBalancerStatus;
}

struct Ingress $Meta.resource(generation = true, group = "networking.k8s.io", version = "v1", plural = "ingresses",
                              shortNames = ["ing"], namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  spec @3 :IngressSpec;
  status @4 :IngressStatus;
}
