@0xbe8553d33e47df73;
# Shared object model (Kubernetes meta/v1 and the codec conventions every kind relies on).
#
# Evolution rules: only append fields, enumerants and methods with new ordinals; never reuse or
# renumber an ordinal or change a field's type. Optional scalars are declared as a group holding
# `union { unset @n :Void; value @m :T; }` with `unset` at the lowest ordinal, so a fresh (or an
# older) object reads as unset. Enums start with `unspecified @0` so "not given" differs from
# every real value; their Kubernetes spelling is in $Json.name.
using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
$Cxx.namespace("troupe::k8s");

# ---- codec conventions (ids are fixed: runtime/codec refers to them) --------------------------

annotation mapEntry @0xea6a543ba1081f79 (struct) :Void;
# List(S) where S has this annotation and fields `key :Text`, `value :T` reads and writes as a
# YAML/JSON mapping (labels, annotations, nodeSelector, data).

annotation scalarUnion @0xb2a67155b368fe40 (struct) :Void;
# A struct holding only an anonymous union of scalars: the YAML scalar picks the member
# (IntOrString: `8080` is the int, `"http"` the string).

annotation rfc3339 @0xf46629beb7312a97 (field) :Void;
# Int64 unix seconds, written "2006-01-02T15:04:05Z".

annotation rfc3339Micro @0xdba61b5832c06557 (field) :Void;
# Int64 unix microseconds, written "2006-01-02T15:04:05.000000Z" (MicroTime).

annotation quantity @0xd9ee69e537d8fd48 (field) :Void;
# Text holding a resource quantity ("500m", "128Mi", "1.5Gi"); the codec rejects text that does
# not parse as one, and stores Kubernetes' canonical spelling ("1000m" is "1", "1024Mi" is "1Gi";
# a value finer than a milli-unit as written).

annotation always @0xc3e1d2a4b5f60718 (field) :Void;
# Written even when zero or false: Kubernetes' fields without omitempty that clients read
# as values (containerStatuses[].ready and restartCount, terminated.exitCode), and its times
# that are structs (metav1.Time), which Go writes as null when zero (creationTimestamp in a
# pod template, a condition's lastProbeTime).

annotation required @0xa4997c15e7fc953c (field) :Void;
# Required in Kubernetes' OpenAPI schema (its `required` lists): `explain` marks it -required-.
# Validation checks each kind's rules itself; this only documents them.

annotation resource @0x81ac5d91b8d09493 (struct) :ResourceInfo;
# Marks a top-level kind and says how it is served.

struct ResourceInfo {
  group @0 :Text;          # "" for the core group
  version @1 :Text;
  plural @2 :Text;         # REST resource name: "deployments"
  shortNames @3 :List(Text);
  namespaced @4 :Bool;
  categories @5 :List(Text);
  generation @6 :Bool;     # metadata.generation counts spec changes (Kubernetes' workloads,
                           # Pods and Ingresses); other kinds leave it unset
}

# ---- small shared shapes ------------------------------------------------------------------------

struct StringEntry $mapEntry {
  key @0 :Text;
  value @1 :Text;
}

struct QuantityEntry $mapEntry {
  key @0 :Text;
  value @1 :Text $quantity;
}

struct BytesEntry $mapEntry {
  key @0 :Text;
  value @1 :Data;          # base64 in YAML/JSON
}

struct IntOrString $scalarUnion {
  union {
    int @0 :Int32;
    str @1 :Text;
  }
}

struct OwnerReference {
  apiVersion @0 :Text $required;
  kind @1 :Text $required;
  name @2 :Text $required;
  uid @3 :Text $required;
  controller :union { unset @4 :Void; value @5 :Bool; }
  blockOwnerDeletion :union { unset @6 :Void; value @7 :Bool; }
}

struct ManagedFieldsEntry {
  manager @0 :Text;
  operation @1 :Text;
  apiVersion @2 :Text;
  time @3 :Int64 $rfc3339;
}

struct ObjectMeta {
  name @0 :Text;
  generateName @1 :Text;
  namespace @2 :Text;
  uid @3 :Text;
  resourceVersion @4 :Text;   # the store's global revision of the last change, as decimal text
  generation @5 :Int64;
  creationTimestamp @6 :Int64 $rfc3339 $always;
  deletionTimestamp @7 :Int64 $rfc3339;
  deletionGracePeriodSeconds :union { unset @8 :Void; value @9 :Int64; }
  labels @10 :List(StringEntry);
  annotations @11 :List(StringEntry);
  ownerReferences @12 :List(OwnerReference);
  finalizers @13 :List(Text);
  selfLink @14 :Text;
  managedFields @15 :List(ManagedFieldsEntry);
}

struct ObjectReference {
  kind @0 :Text;
  namespace @1 :Text;
  name @2 :Text;
  uid @3 :Text;
  apiVersion @4 :Text;
  resourceVersion @5 :Text;
  fieldPath @6 :Text;
}

struct LocalObjectReference {
  name @0 :Text;
}

struct TypedLocalObjectReference {
  apiGroup @0 :Text;
  kind @1 :Text $required;
  name @2 :Text $required;
}

struct LabelSelectorRequirement {
  key @0 :Text $required;
  operator @1 :LabelSelectorOperator $required;
  values @2 :List(Text);
}

enum LabelSelectorOperator {
  unspecified @0;
  in @1 $Json.name("In");
  notIn @2 $Json.name("NotIn");
  exists @3 $Json.name("Exists");
  doesNotExist @4 $Json.name("DoesNotExist");
}

struct LabelSelector {
  matchLabels @0 :List(StringEntry);
  matchExpressions @1 :List(LabelSelectorRequirement);
}

enum ConditionStatus {
  unspecified @0;
  isTrue @1 $Json.name("True");
  isFalse @2 $Json.name("False");
  isUnknown @3 $Json.name("Unknown");
}

# metav1.Condition, for kinds that use the generic shape.
struct Condition {
  type @0 :Text $required;
  status @1 :ConditionStatus $required;
  observedGeneration @2 :Int64;
  lastTransitionTime @3 :Int64 $rfc3339 $required;
  reason @4 :Text $required;
  message @5 :Text $required;
}
