@0xf98c985322163310;
# Group batch, version v1: Job, CronJob.
using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Meta = import "meta.capnp";
using Core = import "core.capnp";
$Cxx.namespace("troupe::k8s");

using ObjectMeta = Meta.ObjectMeta;

enum CompletionMode {
  unspecified @0;
  nonIndexed @1 $Json.name("NonIndexed");
  indexed @2 $Json.name("Indexed");
}

struct JobSpec {
  parallelism :union { unset @0 :Void; value @1 :Int32; }
  completions :union { unset @2 :Void; value @3 :Int32; }
  activeDeadlineSeconds :union { unset @4 :Void; value @5 :Int64; }
  backoffLimit :union { unset @6 :Void; value @7 :Int32; }
  selector @8 :Meta.LabelSelector;
  manualSelector :union { unset @9 :Void; value @10 :Bool; }
  template @11 :Core.PodTemplateSpec $Meta.required;
  ttlSecondsAfterFinished :union { unset @12 :Void; value @13 :Int32; }
  completionMode @14 :CompletionMode;
  suspend :union { unset @15 :Void; value @16 :Bool; }
  podFailurePolicy @17 :PodFailurePolicy;
  backoffLimitPerIndex :union { unset @18 :Void; value @19 :Int32; }
  maxFailedIndexes :union { unset @20 :Void; value @21 :Int32; }
  podReplacementPolicy @22 :PodReplacementPolicy;
}

enum PodReplacementPolicy {
  unspecified @0;
  failed @1 $Json.name("Failed");
  terminatingOrFailed @2 $Json.name("TerminatingOrFailed");
}

# In Kubernetes' (sorted) order: the codec names them so when it refuses another.
enum PodFailurePolicyAction {
  unspecified @0;
  count @1 $Json.name("Count");
  failIndex @2 $Json.name("FailIndex");
  failJob @3 $Json.name("FailJob");
  ignore @4 $Json.name("Ignore");
}

enum PodFailurePolicyOnExitCodesOperator {
  unspecified @0;
  in @1 $Json.name("In");
  notIn @2 $Json.name("NotIn");
}

# How a Job treats a failed pod (batch/v1 PodFailurePolicy): the first rule that matches decides.
struct PodFailurePolicy {
  rules @0 :List(PodFailurePolicyRule) $Meta.always $Meta.required;
}

struct PodFailurePolicyRule {
  action @0 :PodFailurePolicyAction $Meta.required;
  onExitCodes @1 :PodFailurePolicyOnExitCodesRequirement;
  # Go's field has no omitempty: Kubernetes writes [] in a rule on exit codes.
  onPodConditions @2 :List(PodFailurePolicyOnPodConditionsPattern) $Meta.always;
}

struct PodFailurePolicyOnExitCodesRequirement {
  containerName :union { unset @0 :Void; value @1 :Text; }
  operator @2 :PodFailurePolicyOnExitCodesOperator $Meta.required;
  values @3 :List(Int32) $Meta.always $Meta.required;
}

struct PodFailurePolicyOnPodConditionsPattern {
  type @0 :Text $Meta.required;
  status @1 :Meta.ConditionStatus $Meta.required;  # True when not given
}

struct UncountedTerminatedPods {
  succeeded @0 :List(Text);
  failed @1 :List(Text);
}

struct JobCondition {
  type @0 :Text $Meta.required;                      # Complete, Failed, Suspended, FailureTarget
  status @1 :Meta.ConditionStatus $Meta.required;
  lastProbeTime @2 :Int64 $Meta.rfc3339 $Meta.always;
  lastTransitionTime @3 :Int64 $Meta.rfc3339;
  reason @4 :Text;
  message @5 :Text;
}

struct JobStatus {
  conditions @0 :List(JobCondition);
  startTime @1 :Int64 $Meta.rfc3339;
  completionTime @2 :Int64 $Meta.rfc3339;
  active @3 :Int32;
  succeeded @4 :Int32;
  failed @5 :Int32;
  completedIndexes @6 :Text;
  ready :union { unset @7 :Void; value @8 :Int32; }
  failedIndexes :union { unset @9 :Void; value @10 :Text; }
  terminating :union { unset @11 :Void; value @12 :Int32; }
  uncountedTerminatedPods @13 :UncountedTerminatedPods;
}

struct Job $Meta.resource(generation = true, group = "batch", version = "v1", plural = "jobs", namespaced = true,
                          categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :JobSpec;
  status @4 :JobStatus;
}

enum ConcurrencyPolicy {
  unspecified @0;
  allow @1 $Json.name("Allow");
  forbid @2 $Json.name("Forbid");
  replace @3 $Json.name("Replace");
}

struct JobTemplateSpec {
  metadata @0 :ObjectMeta;
  spec @1 :JobSpec;
}

struct CronJobSpec {
  schedule @0 :Text $Meta.required;
  timeZone @1 :Text;
  startingDeadlineSeconds :union { unset @2 :Void; value @3 :Int64; }
  concurrencyPolicy @4 :ConcurrencyPolicy;
  suspend :union { unset @5 :Void; value @6 :Bool; }
  jobTemplate @7 :JobTemplateSpec $Meta.required;
  successfulJobsHistoryLimit :union { unset @8 :Void; value @9 :Int32; }
  failedJobsHistoryLimit :union { unset @10 :Void; value @11 :Int32; }
}

struct CronJobStatus {
  active @0 :List(Meta.ObjectReference);
  lastScheduleTime @1 :Int64 $Meta.rfc3339;
  lastSuccessfulTime @2 :Int64 $Meta.rfc3339;
}

struct CronJob $Meta.resource(generation = true, group = "batch", version = "v1", plural = "cronjobs",
                              shortNames = ["cj"], namespaced = true, categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :CronJobSpec;
  status @4 :CronJobStatus;
}
