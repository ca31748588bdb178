@0x8cf5ccaa891964e2;
# Group apps, version v1: ReplicaSet, Deployment, DaemonSet, StatefulSet.
using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Meta = import "meta.capnp";
using Core = import "core.capnp";
$Cxx.namespace("troupe::k8s");

using ObjectMeta = Meta.ObjectMeta;
using LabelSelector = Meta.LabelSelector;
using IntOrString = Meta.IntOrString;
using ConditionStatus = Meta.ConditionStatus;
using PodTemplateSpec = Core.PodTemplateSpec;

# Conditions of the apps kinds share one shape (lastUpdateTime is set by Deployments only).
struct AppsCondition {
  type @0 :Text $Meta.required;
  status @1 :ConditionStatus $Meta.required;
  lastUpdateTime @2 :Int64 $Meta.rfc3339;
  lastTransitionTime @3 :Int64 $Meta.rfc3339;
  reason @4 :Text;
  message @5 :Text;
}

struct ReplicaSetSpec {
  replicas :union { unset @0 :Void; value @1 :Int32; }
  minReadySeconds @2 :Int32;
  selector @3 :LabelSelector $Meta.required;
  template @4 :PodTemplateSpec;
}

struct ReplicaSetStatus {
  replicas @0 :Int32 $Meta.always $Meta.required;
  fullyLabeledReplicas @1 :Int32;
  readyReplicas @2 :Int32;
  availableReplicas @3 :Int32;
  observedGeneration @4 :Int64;
  conditions @5 :List(AppsCondition);
}

struct ReplicaSet $Meta.resource(generation = true, group = "apps", version = "v1", plural = "replicasets",
                                 shortNames = ["rs"], namespaced = true, categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :ReplicaSetSpec;
  status @4 :ReplicaSetStatus;
}

enum DeploymentStrategyType {
  unspecified @0;
  recreate @1 $Json.name("Recreate");
  rollingUpdate @2 $Json.name("RollingUpdate");
}

struct RollingUpdateDeployment {
  maxUnavailable @0 :IntOrString;
  maxSurge @1 :IntOrString;
}

struct DeploymentStrategy {
  type @0 :DeploymentStrategyType;
  rollingUpdate @1 :RollingUpdateDeployment;
}

struct DeploymentSpec {
  replicas :union { unset @0 :Void; value @1 :Int32; }
  selector @2 :LabelSelector $Meta.required;
  template @3 :PodTemplateSpec $Meta.required;
  strategy @4 :DeploymentStrategy;
  minReadySeconds @5 :Int32;
  revisionHistoryLimit :union { unset @6 :Void; value @7 :Int32; }
  paused @8 :Bool;
  progressDeadlineSeconds :union { unset @9 :Void; value @10 :Int32; }
}

struct DeploymentStatus {
  observedGeneration @0 :Int64;
  replicas @1 :Int32;
  updatedReplicas @2 :Int32;
  readyReplicas @3 :Int32;
  availableReplicas @4 :Int32;
  unavailableReplicas @5 :Int32;
  conditions @6 :List(AppsCondition);
  collisionCount :union { unset @7 :Void; value @8 :Int32; }
}

struct Deployment $Meta.resource(generation = true, group = "apps", version = "v1", plural = "deployments",
                                 shortNames = ["deploy"], namespaced = true,
                                 categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :DeploymentSpec;
  status @4 :DeploymentStatus;
}

enum DaemonSetUpdateStrategyType {
  unspecified @0;
  rollingUpdate @1 $Json.name("RollingUpdate");
  onDelete @2 $Json.name("OnDelete");
}

struct RollingUpdateDaemonSet {
  maxUnavailable @0 :IntOrString;
  maxSurge @1 :IntOrString;
}

struct DaemonSetUpdateStrategy {
  type @0 :DaemonSetUpdateStrategyType;
  rollingUpdate @1 :RollingUpdateDaemonSet;
}

struct DaemonSetSpec {
  selector @0 :LabelSelector $Meta.required;
  template @1 :PodTemplateSpec $Meta.required;
  updateStrategy @2 :DaemonSetUpdateStrategy;
  minReadySeconds @3 :Int32;
  revisionHistoryLimit :union { unset @4 :Void; value @5 :Int32; }
}

struct DaemonSetStatus {
  currentNumberScheduled @0 :Int32 $Meta.always $Meta.required;
  numberMisscheduled @1 :Int32 $Meta.always $Meta.required;
  desiredNumberScheduled @2 :Int32 $Meta.always $Meta.required;
  numberReady @3 :Int32 $Meta.always $Meta.required;
  observedGeneration @4 :Int64;
  updatedNumberScheduled @5 :Int32;
  numberAvailable @6 :Int32;
  numberUnavailable @7 :Int32;
  collisionCount :union { unset @8 :Void; value @9 :Int32; }
  conditions @10 :List(AppsCondition);
}

struct DaemonSet $Meta.resource(generation = true, group = "apps", version = "v1", plural = "daemonsets",
                                shortNames = ["ds"], namespaced = true, categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :DaemonSetSpec;
  status @4 :DaemonSetStatus;
}

enum PodManagementPolicy {
  unspecified @0;
  orderedReady @1 $Json.name("OrderedReady");
  parallel @2 $Json.name("Parallel");
}

enum StatefulSetUpdateStrategyType {
  unspecified @0;
  rollingUpdate @1 $Json.name("RollingUpdate");
  onDelete @2 $Json.name("OnDelete");
}

struct RollingUpdateStatefulSetStrategy {
  partition :union { unset @0 :Void; value @1 :Int32; }
  maxUnavailable @2 :IntOrString;
}

struct StatefulSetUpdateStrategy {
  type @0 :StatefulSetUpdateStrategyType;
  rollingUpdate @1 :RollingUpdateStatefulSetStrategy;
}

enum PvcRetentionPolicyType {
  unspecified @0;
  retain @1 $Json.name("Retain");
  delete @2 $Json.name("Delete");
}

struct StatefulSetPersistentVolumeClaimRetentionPolicy {
  whenDeleted @0 :PvcRetentionPolicyType;
  whenScaled @1 :PvcRetentionPolicyType;
}

struct StatefulSetOrdinals {
  start @0 :Int32;
}

struct StatefulSetSpec {
  replicas :union { unset @0 :Void; value @1 :Int32; }
  selector @2 :LabelSelector $Meta.required;
  template @3 :PodTemplateSpec $Meta.required;
  volumeClaimTemplates @4 :List(Core.PersistentVolumeClaim);
  serviceName @5 :Text;
  podManagementPolicy @6 :PodManagementPolicy;
  updateStrategy @7 :StatefulSetUpdateStrategy;
  revisionHistoryLimit :union { unset @8 :Void; value @9 :Int32; }
  minReadySeconds @10 :Int32;
  persistentVolumeClaimRetentionPolicy @11 :StatefulSetPersistentVolumeClaimRetentionPolicy;
  ordinals @12 :StatefulSetOrdinals;
}

struct StatefulSetStatus {
  observedGeneration @0 :Int64;
  replicas @1 :Int32 $Meta.always $Meta.required;
  readyReplicas @2 :Int32;
  currentReplicas @3 :Int32;
  updatedReplicas @4 :Int32;
  currentRevision @5 :Text;
  updateRevision @6 :Text;
  collisionCount :union { unset @7 :Void; value @8 :Int32; }
  conditions @9 :List(AppsCondition);
  availableReplicas @10 :Int32 $Meta.always;
}

struct StatefulSet $Meta.resource(generation = true, group = "apps", version = "v1", plural = "statefulsets",
                                  shortNames = ["sts"], namespaced = true, categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :StatefulSetSpec;
  status @4 :StatefulSetStatus;
}
