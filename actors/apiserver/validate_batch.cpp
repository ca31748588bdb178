// Kubernetes' Validate* for Jobs and CronJobs (batch/v1, 1.29): the Job spec with its pod
// failure policy and per-index limits, the CronJob's schedule and time zone around it.

#include <set>
#include <string>
#include <vector>

#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/cron.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/batch.capnp.h"

namespace troupe::validation_rules {
namespace {

// Kubernetes' field.TooMany.
void too_many(std::vector<field_error>& out, const std::string& path, size_t count, size_t most) {
  if (count > most)
    out.push_back({path, "Too many: " + std::to_string(count) + ": must have at most " + std::to_string(most) + " items"});
}

// Go's %#v of a []int32, as field.Invalid prints a list of exit codes.
std::string go_int32_slice(capnp::List<int32_t>::Reader values) {
  std::string text = "[]int32{";
  for (unsigned i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "}";
}

void validate_on_exit_codes(k8s::PodFailurePolicyOnExitCodesRequirement::Reader on, const std::string& path,
                            const std::set<std::string>& containers, std::vector<field_error>& out) {
  if (on.getOperator() == k8s::PodFailurePolicyOnExitCodesOperator::UNSPECIFIED)
    out.push_back({path + ".operator", "Required value: valid values: [\"In\" \"NotIn\"]"});
  auto name = on.getContainerName();
  if (!name.isUnset() && !containers.count(text_string(name.getValue())))
    add(out, path + ".containerName", text_view(name.getValue()),
                          {"must be one of the container or initContainer names in the pod template"});
  auto values = on.getValues();
  if (values.size() == 0)
    out.push_back({path + ".values", "Invalid value: []int32{}: at least one value is required"});
  else
    too_many(out, path + ".values", values.size(), 255);
  std::set<int32_t> seen;
  bool ordered = true;
  for (unsigned j = 0; j < values.size(); ++j) {
    auto at = path + ".values[" + std::to_string(j) + "]";
    if (on.getOperator() == k8s::PodFailurePolicyOnExitCodesOperator::IN && values[j] == 0)
      add(out, at, int64_t{0}, {"must not be 0 for the In operator"});
    if (!seen.insert(values[j]).second) out.push_back({at, "Duplicate value: " + std::to_string(values[j])});
    ordered = ordered && (j == 0 || values[j - 1] <= values[j]);
  }
  if (!ordered) out.push_back({path + ".values", "Invalid value: " + go_int32_slice(values) + ": must be ordered"});
}

// Kubernetes' validatePodFailurePolicy (batch/v1, 1.29).
void validate_pod_failure_policy(k8s::JobSpec::Reader spec, const std::string& path, std::vector<field_error>& out) {
  auto rules = spec.getPodFailurePolicy().getRules();
  too_many(out, path + ".rules", rules.size(), 20);
  std::set<std::string> containers;
  for (auto c : spec.getTemplate().getSpec().getContainers()) containers.insert(text_string(c.getName()));
  for (auto c : spec.getTemplate().getSpec().getInitContainers()) containers.insert(text_string(c.getName()));
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto rule = rules[i];
    auto at = path + ".rules[" + std::to_string(i) + "]";
    if (rule.getAction() == k8s::PodFailurePolicyAction::UNSPECIFIED)
      out.push_back({at + ".action", "Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]"});
    else if (rule.getAction() == k8s::PodFailurePolicyAction::FAIL_INDEX && spec.getBackoffLimitPerIndex().isUnset())
      add(out, at + ".action", "FailIndex", {"requires the backoffLimitPerIndex to be set"});
    if (rule.hasOnExitCodes()) validate_on_exit_codes(rule.getOnExitCodes(), at + ".onExitCodes", containers, out);
    auto conditions = rule.getOnPodConditions();
    too_many(out, at + ".onPodConditions", conditions.size(), 20);
    for (unsigned j = 0; j < conditions.size(); ++j) {
      auto type = text_view(conditions[j].getType());
      add(out, at + ".onPodConditions[" + std::to_string(j) + "].type", type,
                            check_qualified_name(type));
    }
    if (rule.hasOnExitCodes() && conditions.size() > 0)
      out.push_back({at, "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported"});
    if (!rule.hasOnExitCodes() && conditions.size() == 0)
      out.push_back({at, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required"});
  }
}

// Indexed Jobs' limits (Kubernetes' validateJobSpec): their indexes are kept as text in the
// status, so their numbers are bounded.
void validate_indexes(k8s::JobSpec::Reader spec, const std::string& path, std::vector<field_error>& out) {
  constexpr int64_t indexes_limit = 100000, high_completions_limit = 10000;
  auto completions = spec.getCompletions();
  auto parallelism = spec.getParallelism();
  auto per_index = spec.getBackoffLimitPerIndex();
  auto max_failed = spec.getMaxFailedIndexes();
  non_negative(per_index, path + ".backoffLimitPerIndex", out);
  non_negative(max_failed, path + ".maxFailedIndexes", out);
  if (!max_failed.isUnset() && per_index.isUnset())
    out.push_back({path + ".backoffLimitPerIndex", "Required value: when maxFailedIndexes is specified"});
  if (spec.getCompletionMode() != k8s::CompletionMode::INDEXED) {
    if (!per_index.isUnset())
      add(out, path + ".backoffLimitPerIndex", per_index.getValue(), {"requires indexed completion mode"});
    if (!max_failed.isUnset())
      add(out, path + ".maxFailedIndexes", max_failed.getValue(), {"requires indexed completion mode"});
    return;
  }
  if (completions.isUnset())
    out.push_back({path + ".completions", "Required value: when completion mode is Indexed"});
  if (!parallelism.isUnset() && parallelism.getValue() > indexes_limit)
    add(out, path + ".parallelism", parallelism.getValue(),
                          {"must be less than or equal to 100000 when completion mode is Indexed"});
  if (!completions.isUnset() && !max_failed.isUnset() && max_failed.getValue() > completions.getValue())
    add(out, path + ".maxFailedIndexes", max_failed.getValue(), {"must be less than or equal to completions"});
  if (!max_failed.isUnset() && max_failed.getValue() > indexes_limit)
    add(out, path + ".maxFailedIndexes", max_failed.getValue(), {"must be less than or equal to 100000"});
  if (completions.isUnset() || completions.getValue() <= indexes_limit || per_index.isUnset()) return;
  const std::string high = " when completions are above 100000 and used with backoff limit per index";
  if (max_failed.isUnset())
    out.push_back({path + ".maxFailedIndexes", "Required value: must be specified when completions is above 100000"});
  if (!parallelism.isUnset() && parallelism.getValue() > high_completions_limit)
    add(out, path + ".parallelism", parallelism.getValue(), {"must be less than or equal to 10000" + high});
  if (!max_failed.isUnset() && max_failed.getValue() > high_completions_limit)
    add(out, path + ".maxFailedIndexes", max_failed.getValue(), {"must be less than or equal to 10000" + high});
}

void validate_job_spec(k8s::JobSpec::Reader spec, const std::string& path, bool selector_required,
                       std::vector<field_error>& out) {
  non_negative(spec.getParallelism(), path + ".parallelism", out);
  non_negative(spec.getCompletions(), path + ".completions", out);
  non_negative(spec.getBackoffLimit(), path + ".backoffLimit", out);
  non_negative(spec.getActiveDeadlineSeconds(), path + ".activeDeadlineSeconds", out);
  non_negative(spec.getTtlSecondsAfterFinished(), path + ".ttlSecondsAfterFinished", out);
  validate_indexes(spec, path, out);
  if (spec.hasPodFailurePolicy()) {
    validate_pod_failure_policy(spec, path + ".podFailurePolicy", out);
    auto replacement = spec.getPodReplacementPolicy();
    if (replacement == k8s::PodReplacementPolicy::TERMINATING_OR_FAILED)
      out.push_back({path + ".podReplacementPolicy",
                     "Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\""});
  }
  if (selector_required)
    validate_selector(spec.hasSelector(), spec.getSelector(), spec.getTemplate(), path, out);
  validate_labels_and_annotations(spec.getTemplate().getMetadata(), path + ".template", out);
  validate_pod_spec(spec.getTemplate().getSpec(), path + ".template.spec", out);
  auto policy = spec.getTemplate().getSpec().getRestartPolicy();
  if (policy != k8s::RestartPolicy::ON_FAILURE && policy != k8s::RestartPolicy::NEVER)
    out.push_back({path + ".template.spec.restartPolicy",
                   "Required value: valid values: \"OnFailure\", \"Never\""});
  else if (spec.hasPodFailurePolicy() && policy != k8s::RestartPolicy::NEVER)
    out.push_back({path + ".template.spec.restartPolicy",
                   "Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified"});
}

}  // namespace

// Kubernetes' ValidateGeneratedSelector: unless the user asked for their own selector
// (manualSelector), a Job selects exactly the pods of its own uid.
void validate_job(k8s::Job::Reader job, std::vector<field_error>& out) {
  auto spec = job.getSpec();
  validate_job_spec(spec, "spec", true, out);
  // The controller names an Indexed Job's pods' hosts <job>-<index>: the last must be a DNS label.
  auto completions = spec.getCompletions();
  if (spec.getCompletionMode() == k8s::CompletionMode::INDEXED && !completions.isUnset() &&
      completions.getValue() > 0) {
    auto name = text_string(job.getMetadata().getName());
    auto last_host = name + "-" + std::to_string(completions.getValue() - 1);
    if (!check_dns1123_label(last_host).empty())
      add(out, "metadata.name", name,
                            {"will not able to create pod with invalid DNS label: " + last_host});
  }
  bool manual = !spec.getManualSelector().isUnset() && spec.getManualSelector().getValue();
  if (manual || !spec.hasSelector()) return;
  std::string uid = text_string(job.getMetadata().getUid());
  try {
    auto selector = label_selector::from(spec.getSelector());
    if (!selector.matches(std::map<std::string, std::string>{{"batch.kubernetes.io/controller-uid", uid}}))
      out.push_back({"spec.selector", "Invalid value: " + quote(selector.to_string()) +
                                          ": `selector` not auto-generated"});
  } catch (const api_error&) {
    // validate_selector names what is wrong with it
  }
}

void validate_cron_job(k8s::CronJob::Reader cj, std::vector<field_error>& out) {
  auto spec = cj.getSpec();
  // Its Jobs are named NAME-<minutes since the epoch>, and a Job's name is a label value.
  std::string name = text_string(cj.getMetadata().getName());
  if (name.size() > 52)
    out.push_back({"metadata.name", "Invalid value: " + quote(name) + ": must be no more than 52 characters"});
  non_negative(spec.getStartingDeadlineSeconds(), "spec.startingDeadlineSeconds", out);
  std::string zone = text_string(spec.getTimeZone());
  // Kubernetes' validateTimeZone: "Local" in any case is refused, and what Go's LoadLocation
  // cannot load ("Local" itself it can) is unknown.
  if (to_lower(zone) == "local")
    out.push_back({"spec.timeZone", "Invalid value: " + quote(zone) +
                                        ": timeZone must be an explicit time zone as defined in "
                                        "https://www.iana.org/time-zones"});
  if (!zone.empty() && zone != "Local" && !known_time_zone(zone))
    out.push_back({"spec.timeZone", "Invalid value: " + quote(zone) + ": unknown time zone " + zone});
  validate_labels_and_annotations(spec.getJobTemplate().getMetadata(), "spec.jobTemplate.metadata", out);
  cron_schedule schedule;
  std::string problem;
  if (spec.getSchedule().size() == 0)
    out.push_back({"spec.schedule", "Required value"});
  else if (text_view(spec.getSchedule()).find("TZ") != std::string_view::npos)
    // Kubernetes refuses a zone in the schedule for new CronJobs: timeZone says it.
    out.push_back({"spec.schedule", "Invalid value: " + quote(text_view(spec.getSchedule())) +
                                        ": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"});
  else if (!parse_cron(text_view(spec.getSchedule()), schedule, problem))
    out.push_back({"spec.schedule", "Invalid value: " + quote(text_view(spec.getSchedule())) + ": " + problem});
  non_negative(spec.getSuccessfulJobsHistoryLimit(), "spec.successfulJobsHistoryLimit", out);
  non_negative(spec.getFailedJobsHistoryLimit(), "spec.failedJobsHistoryLimit", out);
  auto job_spec = spec.getJobTemplate().getSpec();
  // Kubernetes' ValidateJobTemplateSpec: the controller makes each Job's selector.
  if (job_spec.hasSelector())
    out.push_back(
        {"spec.jobTemplate.spec.selector", "Invalid value: `selector` will be auto-generated"});
  if (!job_spec.getManualSelector().isUnset() && job_spec.getManualSelector().getValue())
    out.push_back({"spec.jobTemplate.spec.manualSelector",
                   "Unsupported value: true: supported values: \"nil\", \"false\""});
  validate_job_spec(job_spec, "spec.jobTemplate.spec", false, out);
}

}  // namespace troupe::validation_rules
