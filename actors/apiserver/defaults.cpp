#include "actors/apiserver/defaults.hpp"

#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/object/qos.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/taints.hpp"
#include "runtime/object/validation.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/core.capnp.h"
#include "schema/rbac.capnp.h"
#include "schema/scheduling.capnp.h"

namespace troupe {
namespace {

// ---- defaults -------------------------------------------------------------------------------

bool pinned_or_untagged(std::string_view image) {
  auto slash = image.rfind('/');
  auto name = image.substr(slash == std::string_view::npos ? 0 : slash + 1);
  if (name.find('@') != std::string_view::npos) return false;  // by digest
  auto colon = name.find(':');
  return colon == std::string_view::npos || name.substr(colon + 1) == "latest";
}

// Kubernetes' SetDefaults_HTTPGetAction, for probes and lifecycle handlers alike.
void default_http_get(k8s::HttpGetAction::Builder get) {
  if (get.getPath().size() == 0) get.setPath("/");
  if (get.getScheme() == k8s::UriScheme::UNSPECIFIED) get.setScheme(k8s::UriScheme::HTTP);
}

// Kubernetes' SetDefaults_Probe: a probe's zero timings are its defaults.
void default_probe(k8s::Probe::Builder probe) {
  if (probe.getTimeoutSeconds() == 0) probe.setTimeoutSeconds(1);
  if (probe.getPeriodSeconds() == 0) probe.setPeriodSeconds(10);
  if (probe.getSuccessThreshold() == 0) probe.setSuccessThreshold(1);
  if (probe.getFailureThreshold() == 0) probe.setFailureThreshold(3);
  if (probe.isHttpGet()) default_http_get(probe.getHttpGet());
}

void default_container(k8s::Container::Builder c) {
  if (c.hasLivenessProbe()) default_probe(c.getLivenessProbe());
  if (c.hasReadinessProbe()) default_probe(c.getReadinessProbe());
  if (c.hasStartupProbe()) default_probe(c.getStartupProbe());
  if (c.hasLifecycle()) {
    auto lifecycle = c.getLifecycle();
    if (lifecycle.hasPostStart() && lifecycle.getPostStart().isHttpGet())
      default_http_get(lifecycle.getPostStart().getHttpGet());
    if (lifecycle.hasPreStop() && lifecycle.getPreStop().isHttpGet())
      default_http_get(lifecycle.getPreStop().getHttpGet());
  }
  for (auto env : c.getEnv())
    if (env.hasValueFrom() && env.getValueFrom().hasFieldRef() &&
        env.getValueFrom().getFieldRef().getApiVersion().size() == 0)
      env.getValueFrom().getFieldRef().setApiVersion("v1");
  if (c.getImagePullPolicy() == k8s::PullPolicy::UNSPECIFIED)
    c.setImagePullPolicy(pinned_or_untagged(text_view(c.getImage())) ? k8s::PullPolicy::ALWAYS
                                                          : k8s::PullPolicy::IF_NOT_PRESENT);
  if (c.getTerminationMessagePath().size() == 0)
    c.setTerminationMessagePath("/dev/termination-log");
  if (c.getTerminationMessagePolicy() == k8s::TerminationMessagePolicy::UNSPECIFIED)
    c.setTerminationMessagePolicy(k8s::TerminationMessagePolicy::FILE);
  for (auto port : c.getPorts())
    if (port.getProtocol() == k8s::Protocol::UNSPECIFIED) port.setProtocol(k8s::Protocol::TCP);
  if (!c.hasResources()) c.initResources();  // a struct Kubernetes writes even empty: {}
}

// A limit without a request requests the limit: Kubernetes' SetDefaults_Pod, which says it
// must not run for pod templates (a template's later, lower limit would then be refused).
void request_the_limits(k8s::Container::Builder c) {
  auto resources = c.getResources();
  std::vector<std::pair<std::string, std::string>> requests;
  for (auto e : resources.getRequests()) requests.emplace_back(text_string(e.getKey()), text_string(e.getValue()));
  size_t before = requests.size();
  for (auto limit : resources.getLimits()) {
    std::string key = text_string(limit.getKey());
    bool requested = false;
    for (auto& entry : requests) requested = requested || entry.first == key;
    if (!requested) requests.emplace_back(key, text_string(limit.getValue()));
  }
  if (requests.size() == before) return;
  auto list = resources.initRequests(static_cast<unsigned>(requests.size()));
  for (unsigned i = 0; i < list.size(); ++i) {
    list[i].setKey(requests[i].first);
    list[i].setValue(requests[i].second);
  }
}

void default_pod_spec(k8s::PodSpec::Builder spec) {
  // hostUsers is UserNamespacesSupport's, a feature Kubernetes keeps off by default through 1.32
  // and drops from what it stores then; troupe's containers share the host's users anyway.
  spec.getHostUsers().setUnset();
  if (spec.getRestartPolicy() == k8s::RestartPolicy::UNSPECIFIED)
    spec.setRestartPolicy(k8s::RestartPolicy::ALWAYS);
  if (spec.getDnsPolicy() == k8s::DnsPolicy::UNSPECIFIED)
    spec.setDnsPolicy(k8s::DnsPolicy::CLUSTER_FIRST);
  if (spec.getTerminationGracePeriodSeconds().isUnset())
    spec.getTerminationGracePeriodSeconds().setValue(30);
  if (spec.getSchedulerName().size() == 0) spec.setSchedulerName("default-scheduler");
  if (!spec.hasSecurityContext()) spec.initSecurityContext();  // written {}, as Kubernetes'
  for (auto c : spec.getContainers()) default_container(c);
  for (auto c : spec.getInitContainers()) default_container(c);
  // Kubernetes' SetDefaults_Volume and volume sources' file modes (0644).
  for (auto volume : spec.getVolumes()) {
    if (volume.isUnset()) volume.initEmptyDir();
    if (volume.isConfigMap() && volume.getConfigMap().getDefaultMode().isUnset())
      volume.getConfigMap().getDefaultMode().setValue(0644);
    if (volume.isSecret() && volume.getSecret().getDefaultMode().isUnset())
      volume.getSecret().getDefaultMode().setValue(0644);
    if (volume.isDownwardAPI() && volume.getDownwardAPI().getDefaultMode().isUnset())
      volume.getDownwardAPI().getDefaultMode().setValue(0644);
  }
  // On the host's network a container port is the host's port too.
  if (spec.getHostNetwork())
    for (auto list : {spec.getContainers(), spec.getInitContainers()})
      for (auto c : list)
        for (auto port : c.getPorts())
          if (port.getHostPort() == 0) port.setHostPort(port.getContainerPort());
}

// Kubernetes' DefaultTolerationSeconds admission: a pod rides out five minutes of its node
// being not ready or unreachable before the taint eviction controller deletes it.
void default_toleration_seconds(k8s::PodSpec::Builder spec) {
  constexpr std::string_view keys[] = {not_ready_taint_key, unreachable_taint_key};
  std::vector<std::string_view> missing;
  for (auto key : keys) {
    bool tolerated = false;
    for (auto t : spec.getTolerations())
      tolerated |= (t.getKey().size() == 0 || text_view(t.getKey()) == key) &&
                   (t.getEffect() == k8s::TaintEffect::UNSPECIFIED ||
                    t.getEffect() == k8s::TaintEffect::NO_EXECUTE);
    if (!tolerated) missing.push_back(key);
  }
  if (missing.empty()) return;
  auto old = spec.disownTolerations();
  auto kept = old.getReader();
  auto list = spec.initTolerations(kept.size() + static_cast<unsigned>(missing.size()));
  for (unsigned i = 0; i < kept.size(); ++i) list.setWithCaveats(i, kept[i]);
  for (unsigned i = 0; i < missing.size(); ++i) {
    auto t = list[kept.size() + i];
    t.setKey(std::string(missing[i]));
    t.setOperator(k8s::TolerationOperator::EXISTS);
    t.setEffect(k8s::TaintEffect::NO_EXECUTE);
    t.getTolerationSeconds().setValue(condition_taint_toleration_seconds);
  }
}

// Pods only: templates get the tolerations when their pods are created.
// What Kubernetes' ServiceAccount and Priority admission add to a pod: the namespace's
// "default" service account (not for a static pod's mirror, which the kubelet owns) and
// priority 0 when no priority class names one.
void default_pod_admission(k8s::Pod::Builder pod) {
  auto spec = pod.getSpec();
  bool mirror =
      map_get(pod.getMetadata().getAnnotations().asReader(), mirror_pod_annotation).has_value();
  if (!mirror && spec.getServiceAccountName().size() == 0)
    spec.setServiceAccountName(spec.getServiceAccount().size() ? spec.getServiceAccount().asReader()
                                                               : "default");
  if (spec.getServiceAccountName().size() && spec.getServiceAccount().size() == 0)
    spec.setServiceAccount(spec.getServiceAccountName().asReader());
  if (spec.getPriority().isUnset() && spec.getPriorityClassName().size() == 0)
    spec.getPriority().setValue(0);
}

void default_pod(k8s::Pod::Builder pod) {
  default_pod_spec(pod.getSpec());
  for (auto c : pod.getSpec().getContainers()) request_the_limits(c);
  for (auto c : pod.getSpec().getInitContainers()) request_the_limits(c);
  // SetDefaults_Pod and the Priority admission: the Pod's own, not its templates'.
  if (pod.getSpec().getEnableServiceLinks().isUnset()) pod.getSpec().getEnableServiceLinks().setValue(true);
  if (pod.getSpec().getPreemptionPolicy() == k8s::PreemptionPolicy::UNSPECIFIED)
    pod.getSpec().setPreemptionPolicy(k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY);
  default_toleration_seconds(pod.getSpec());
  default_pod_admission(pod);
}

void default_int_or_percent(k8s::IntOrString::Builder value, bool has, const char* percent) {
  if (!has) value.setStr(percent);
}

void default_deployment(k8s::Deployment::Builder d) {
  auto spec = d.getSpec();
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
  if (spec.getProgressDeadlineSeconds().isUnset()) spec.getProgressDeadlineSeconds().setValue(600);
  auto strategy = spec.getStrategy();
  if (strategy.getType() == k8s::DeploymentStrategyType::UNSPECIFIED)
    strategy.setType(k8s::DeploymentStrategyType::ROLLING_UPDATE);
  if (strategy.getType() == k8s::DeploymentStrategyType::ROLLING_UPDATE) {
    auto rolling = strategy.getRollingUpdate();
    bool has_unavailable = rolling.hasMaxUnavailable(), has_surge = rolling.hasMaxSurge();
    default_int_or_percent(rolling.getMaxUnavailable(), has_unavailable, "25%");
    default_int_or_percent(rolling.getMaxSurge(), has_surge, "25%");
  }
  default_pod_spec(spec.getTemplate().getSpec());
}

void default_endpoints(k8s::Endpoints::Builder endpoints) {
  for (auto subset : endpoints.getSubsets())
    for (auto port : subset.getPorts())
      if (port.getProtocol() == k8s::Protocol::UNSPECIFIED) port.setProtocol(k8s::Protocol::TCP);
}

void default_service(k8s::Service::Builder s) {
  auto spec = s.getSpec();
  if (spec.getType() == k8s::ServiceType::UNSPECIFIED) spec.setType(k8s::ServiceType::CLUSTER_I_P);
  if (spec.getSessionAffinity() == k8s::SessionAffinity::UNSPECIFIED)
    spec.setSessionAffinity(k8s::SessionAffinity::NONE);
  // SetDefaults_Service: without affinity its settings go (a switch back from ClientIP).
  if (spec.getSessionAffinity() == k8s::SessionAffinity::NONE) spec.disownSessionAffinityConfig();
  if (spec.getSessionAffinity() == k8s::SessionAffinity::CLIENT_I_P &&
      spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds().isUnset())
    spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds().setValue(10800);
  if (spec.getType() == k8s::ServiceType::LOAD_BALANCER &&
      spec.getAllocateLoadBalancerNodePorts().isUnset())
    spec.getAllocateLoadBalancerNodePorts().setValue(true);
  for (auto port : spec.getPorts()) {
    if (port.getProtocol() == k8s::Protocol::UNSPECIFIED) port.setProtocol(k8s::Protocol::TCP);
    if (!port.hasTargetPort()) port.initTargetPort().setInt(port.getPort());
  }
  if (spec.getType() == k8s::ServiceType::EXTERNAL_NAME) return;
  if (spec.getIpFamilies().size() == 0) spec.initIpFamilies(1).set(0, k8s::IpFamily::IPV4);
  if (spec.getIpFamilyPolicy() == k8s::IpFamilyPolicy::UNSPECIFIED)
    spec.setIpFamilyPolicy(validation_rules::family_agnostic(spec.asReader())
                               ? k8s::IpFamilyPolicy::REQUIRE_DUAL_STACK
                               : k8s::IpFamilyPolicy::SINGLE_STACK);
  if (spec.getInternalTrafficPolicy() == k8s::TrafficPolicy::UNSPECIFIED)
    spec.setInternalTrafficPolicy(k8s::TrafficPolicy::CLUSTER);
  // Kubernetes' ExternallyAccessible: node ports, load balancers, and external IPs.
  bool external = spec.getType() == k8s::ServiceType::NODE_PORT ||
                  spec.getType() == k8s::ServiceType::LOAD_BALANCER ||
                  spec.getExternalIPs().size() > 0;
  if (external && spec.getExternalTrafficPolicy() == k8s::TrafficPolicy::UNSPECIFIED)
    spec.setExternalTrafficPolicy(k8s::TrafficPolicy::CLUSTER);
}

template <class Spec>
void default_replicas(Spec spec) {
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
}

template <class Spec>
void default_history(Spec spec) {
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
}

void default_replica_set(k8s::ReplicaSet::Builder rs) {
  default_replicas(rs.getSpec());
  default_pod_spec(rs.getSpec().getTemplate().getSpec());
}

void default_daemon_set(k8s::DaemonSet::Builder ds) {
  auto spec = ds.getSpec();
  default_history(spec);
  auto strategy = spec.getUpdateStrategy();
  if (strategy.getType() == k8s::DaemonSetUpdateStrategyType::UNSPECIFIED)
    strategy.setType(k8s::DaemonSetUpdateStrategyType::ROLLING_UPDATE);
  if (strategy.getType() == k8s::DaemonSetUpdateStrategyType::ROLLING_UPDATE) {
    auto rolling = strategy.getRollingUpdate();
    if (!rolling.hasMaxUnavailable()) rolling.initMaxUnavailable().setInt(1);
    if (!rolling.hasMaxSurge()) rolling.initMaxSurge().setInt(0);
  }
  default_pod_spec(spec.getTemplate().getSpec());
}

void default_stateful_set(k8s::StatefulSet::Builder sts) {
  auto spec = sts.getSpec();
  default_replicas(spec);
  default_history(spec);
  if (spec.getPodManagementPolicy() == k8s::PodManagementPolicy::UNSPECIFIED)
    spec.setPodManagementPolicy(k8s::PodManagementPolicy::ORDERED_READY);
  auto strategy = spec.getUpdateStrategy();
  if (strategy.getType() == k8s::StatefulSetUpdateStrategyType::UNSPECIFIED)
    strategy.setType(k8s::StatefulSetUpdateStrategyType::ROLLING_UPDATE);
  if (strategy.getType() == k8s::StatefulSetUpdateStrategyType::ROLLING_UPDATE &&
      strategy.getRollingUpdate().getPartition().isUnset())
    strategy.getRollingUpdate().getPartition().setValue(0);
  auto retention = spec.getPersistentVolumeClaimRetentionPolicy();
  if (retention.getWhenDeleted() == k8s::PvcRetentionPolicyType::UNSPECIFIED)
    retention.setWhenDeleted(k8s::PvcRetentionPolicyType::RETAIN);
  if (retention.getWhenScaled() == k8s::PvcRetentionPolicyType::UNSPECIFIED)
    retention.setWhenScaled(k8s::PvcRetentionPolicyType::RETAIN);
  // Kubernetes' SetDefaults_PersistentVolumeClaim for each template, which is served as a
  // whole PersistentVolumeClaim (apiVersion and kind included).
  for (auto claim : spec.getVolumeClaimTemplates()) {
    if (claim.getApiVersion().size() == 0) claim.setApiVersion("v1");
    if (claim.getKind().size() == 0) claim.setKind("PersistentVolumeClaim");
    if (claim.getSpec().getVolumeMode() == k8s::VolumeMode::UNSPECIFIED)
      claim.getSpec().setVolumeMode(k8s::VolumeMode::FILESYSTEM);
    if (claim.getStatus().getPhase() == k8s::ClaimPhase::UNSPECIFIED)
      claim.getStatus().setPhase(k8s::ClaimPhase::PENDING);
  }
  default_pod_spec(spec.getTemplate().getSpec());
}

void default_job_spec(k8s::JobSpec::Builder spec) {
  if (spec.getCompletions().isUnset() && spec.getParallelism().isUnset()) {
    spec.getCompletions().setValue(1);
    spec.getParallelism().setValue(1);
  }
  if (spec.getParallelism().isUnset()) spec.getParallelism().setValue(1);
  // With a backoff per index the Job-wide limit steps aside (SetDefaults_Job: math.MaxInt32).
  if (spec.getBackoffLimit().isUnset())
    spec.getBackoffLimit().setValue(spec.getBackoffLimitPerIndex().isUnset() ? 6 : INT32_MAX);
  if (spec.getCompletionMode() == k8s::CompletionMode::UNSPECIFIED)
    spec.setCompletionMode(k8s::CompletionMode::NON_INDEXED);
  if (spec.getSuspend().isUnset()) spec.getSuspend().setValue(false);
  if (spec.hasPodFailurePolicy())
    for (auto rule : spec.getPodFailurePolicy().getRules())
      for (auto pattern : rule.getOnPodConditions())
        if (pattern.getStatus() == k8s::ConditionStatus::UNSPECIFIED) pattern.setStatus(k8s::ConditionStatus::IS_TRUE);
  // JobPodReplacementPolicy, on by default since Kubernetes 1.29.
  if (spec.getPodReplacementPolicy() == k8s::PodReplacementPolicy::UNSPECIFIED)
    spec.setPodReplacementPolicy(spec.hasPodFailurePolicy() ? k8s::PodReplacementPolicy::FAILED
                                                            : k8s::PodReplacementPolicy::TERMINATING_OR_FAILED);
  default_pod_spec(spec.getTemplate().getSpec());
}

// Kubernetes gives a Job a selector of its own uid unless the user chose one
// (manualSelector), and labels the template to match.
void default_job(k8s::Job::Builder job) {
  auto spec = job.getSpec();
  bool manual = !spec.getManualSelector().isUnset() && spec.getManualSelector().getValue();
  if (!manual && !spec.hasSelector()) {
    std::string uid = text_string(job.getMetadata().getUid());
    auto labels = map_entries(spec.getTemplate().getMetadata().getLabels().asReader());
    auto set = [&](const std::string& key, const std::string& value) {
      for (auto& [k, v] : labels)
        if (k == key) return void(v = value);
      labels.emplace_back(key, value);
    };
    set("batch.kubernetes.io/controller-uid", uid);
    set("batch.kubernetes.io/job-name", text_string(job.getMetadata().getName()));
    set("controller-uid", uid);
    set("job-name", text_string(job.getMetadata().getName()));
    fill_map(spec.getTemplate().getMetadata().initLabels(static_cast<unsigned>(labels.size())), labels);
    fill_map(spec.initSelector().initMatchLabels(1),
             std::vector<std::pair<std::string, std::string>>{{"batch.kubernetes.io/controller-uid", uid}});
  }
  // SetDefaults_Job: a Job without labels of its own carries its pods' (as read back, the
  // generated ones too).
  auto template_labels = map_entries(spec.getTemplate().getMetadata().getLabels().asReader());
  if (job.getMetadata().getLabels().size() == 0 && !template_labels.empty())
    fill_map(job.getMetadata().initLabels(static_cast<unsigned>(template_labels.size())), template_labels);
  default_job_spec(spec);
}

void default_cron_job(k8s::CronJob::Builder cj) {
  auto spec = cj.getSpec();
  if (spec.getConcurrencyPolicy() == k8s::ConcurrencyPolicy::UNSPECIFIED)
    spec.setConcurrencyPolicy(k8s::ConcurrencyPolicy::ALLOW);
  if (spec.getSuspend().isUnset()) spec.getSuspend().setValue(false);
  if (spec.getSuccessfulJobsHistoryLimit().isUnset()) spec.getSuccessfulJobsHistoryLimit().setValue(3);
  if (spec.getFailedJobsHistoryLimit().isUnset()) spec.getFailedJobsHistoryLimit().setValue(1);
  // Job defaults (completions, backoffLimit ...) are the Job's, set when one is made from the
  // template; the template's pod spec is defaulted as any.
  // Templates' metadata Kubernetes writes even when empty ({creationTimestamp: null}).
  auto job_template = spec.getJobTemplate();
  if (!job_template.hasMetadata()) job_template.initMetadata();
  if (!job_template.getSpec().getTemplate().hasMetadata())
    job_template.getSpec().getTemplate().initMetadata();
  default_pod_spec(spec.getJobTemplate().getSpec().getTemplate().getSpec());
}

// Kubernetes' NodeSpec conversion: podCIDRs says what a lone podCIDR says.
void default_node(k8s::Node::Builder node) {
  auto spec = node.getSpec();
  if (spec.getPodCIDR().size() > 0 && spec.getPodCIDRs().size() == 0)
    spec.initPodCIDRs(1).set(0, spec.getPodCIDR().asReader());
}

// stringData is write-only: it is merged into data (winning over it) and never stored.
void default_secret(k8s::Secret::Builder secret) {
  if (secret.getType().size() == 0) secret.setType("Opaque");
  if (!secret.hasStringData()) return;
  std::vector<std::pair<std::string, std::string>> data;
  for (auto e : secret.getData())
    data.emplace_back(text_string(e.getKey()),
                      std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size()));
  for (auto e : secret.getStringData()) {
    std::string key = text_string(e.getKey()), value = text_string(e.getValue());
    bool replaced = false;
    for (auto& [k, v] : data)
      if (k == key) v = value, replaced = true;
    if (!replaced) data.emplace_back(key, value);
  }
  auto list = secret.initData(static_cast<unsigned>(data.size()));
  for (unsigned i = 0; i < list.size(); ++i) {
    list[i].setKey(data[i].first);
    list[i].setValue(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data[i].second.data()),
                                  data[i].second.size()));
  }
  secret.disownStringData();
}

void default_persistent_volume(k8s::PersistentVolume::Builder pv) {
  auto spec = pv.getSpec();
  if (spec.getPersistentVolumeReclaimPolicy() == k8s::ReclaimPolicy::UNSPECIFIED)
    spec.setPersistentVolumeReclaimPolicy(k8s::ReclaimPolicy::RETAIN);
  if (spec.getVolumeMode() == k8s::VolumeMode::UNSPECIFIED)
    spec.setVolumeMode(k8s::VolumeMode::FILESYSTEM);
}

void default_claim(k8s::PersistentVolumeClaim::Builder pvc) {
  auto spec = pvc.getSpec();
  if (spec.getVolumeMode() == k8s::VolumeMode::UNSPECIFIED)
    spec.setVolumeMode(k8s::VolumeMode::FILESYSTEM);
  // Kubernetes' EnforceDataSourceBackwardsCompatibility: without a dataSourceRef, a dataSource
  // that is neither a claim nor a volume snapshot is dropped; and a dataSourceRef naming another
  // namespace is dropped, as CrossNamespaceVolumeDataSource (off by default) drops it.
  if (spec.hasDataSource() && !spec.hasDataSourceRef()) {
    auto source = spec.getDataSource().asReader();
    bool claim = source.getApiGroup().size() == 0 && source.getKind() == "PersistentVolumeClaim";
    bool snapshot = source.getApiGroup() == "snapshot.storage.k8s.io" && source.getKind() == "VolumeSnapshot";
    if (!claim && !snapshot) spec.disownDataSource();
  }
  if (spec.hasDataSourceRef() && spec.getDataSourceRef().getNamespace().size() > 0) spec.disownDataSourceRef();
  // Kubernetes' NormalizeDataSources: the old field and the new one say the same (the new one
  // names no other namespace now).
  auto copy = [](auto from, auto to) {
    if (from.hasApiGroup()) to.setApiGroup(from.getApiGroup());
    to.setKind(from.getKind());
    to.setName(from.getName());
  };
  if (spec.hasDataSource() && !spec.hasDataSourceRef())
    copy(spec.getDataSource().asReader(), spec.initDataSourceRef());
  else if (spec.hasDataSourceRef() && !spec.hasDataSource())
    copy(spec.getDataSourceRef().asReader(), spec.initDataSource());
}

// SetDefaults_{,Cluster}RoleBinding and SetDefaults_Subject: the RBAC group where a
// manifest leaves it out (a service account's subject has none).
template <class Binding>
void default_binding(Binding binding) {
  auto ref = binding.getRoleRef();
  if (ref.getApiGroup().size() == 0) ref.setApiGroup("rbac.authorization.k8s.io");
  for (auto subject : binding.getSubjects()) {
    auto kind = text_view(subject.getKind());
    if (subject.getApiGroup().size() == 0 && (kind == "User" || kind == "Group"))
      subject.setApiGroup("rbac.authorization.k8s.io");
  }
}

// A live namespace carries the "kubernetes" finalizer (its content is deleted before it
// goes), phase Active and the kubernetes.io/metadata.name label, as in Kubernetes.
void default_namespace(k8s::Namespace::Builder ns) {
  auto meta = ns.getMetadata();
  auto labels = map_entries(meta.getLabels().asReader());
  std::string name = text_string(meta.getName());
  bool labelled = false;
  for (auto& [k, v] : labels)
    if (k == "kubernetes.io/metadata.name") {
      v = name;
      labelled = true;
    }
  if (!labelled) labels.emplace_back("kubernetes.io/metadata.name", name);
  fill_map(meta.initLabels(static_cast<unsigned>(labels.size())), labels);
  if (meta.getDeletionTimestamp() != 0) return;
  ns.getStatus().setPhase(k8s::NamespacePhase::ACTIVE);
  if (auto finalizers = with_name(ns.getSpec().getFinalizers().asReader(), namespace_finalizer))
    fill_names(ns.getSpec().initFinalizers(static_cast<unsigned>(finalizers->size())), *finalizers);
}

}  // namespace

void initial_status(const kind_info& kind, capnp::DynamicStruct::Builder root) {
  const std::string& k = kind.kind;
  if (!kind.has_status || k == "Node") return;
  if (k == "Namespace") return;  // default_namespace: phase Active
  root.clear("status");
  // Kubernetes serialises a status struct even when empty (`status: {}`), with its fields that
  // are not omitempty: a ReplicaSet's replicas: 0, a Service's loadBalancer: {}.
  auto status = root.init("status").as<capnp::DynamicStruct>();
  if (k == "Service" || k == "Ingress") status.init("loadBalancer");
  if (k == "Pod") {
    auto pod = root.as<k8s::Pod>();
    pod.getStatus().setPhase(k8s::PodPhase::PENDING);
    pod.getStatus().setQosClass(qos_class(pod.getSpec().asReader()));
    // Kubernetes' PrepareForCreate says why the pod waits before any scheduler has seen it.
    if (pod.getSpec().getSchedulingGates().size() > 0)
      set_pod_condition(pod, "PodScheduled", k8s::ConditionStatus::IS_FALSE, "SchedulingGated",
                        "Scheduling is blocked due to non-empty scheduling gates", 0);
  } else if (k == "PersistentVolume") {
    root.as<k8s::PersistentVolume>().getStatus().setPhase(k8s::PersistentVolumePhase::PENDING);
  } else if (k == "PersistentVolumeClaim") {
    root.as<k8s::PersistentVolumeClaim>().getStatus().setPhase(k8s::ClaimPhase::PENDING);
  }
}

void apply_defaults(const kind_info& kind, capnp::DynamicStruct::Builder root) {
  const std::string& k = kind.kind;
  if (k == "Pod") default_pod(root.as<k8s::Pod>());
  else if (k == "Deployment") default_deployment(root.as<k8s::Deployment>());
  else if (k == "ReplicaSet") default_replica_set(root.as<k8s::ReplicaSet>());
  else if (k == "DaemonSet") default_daemon_set(root.as<k8s::DaemonSet>());
  else if (k == "StatefulSet") default_stateful_set(root.as<k8s::StatefulSet>());
  else if (k == "Job") default_job(root.as<k8s::Job>());
  else if (k == "CronJob") default_cron_job(root.as<k8s::CronJob>());
  else if (k == "Service") default_service(root.as<k8s::Service>());
  else if (k == "Endpoints") default_endpoints(root.as<k8s::Endpoints>());
  else if (k == "Secret") default_secret(root.as<k8s::Secret>());
  else if (k == "PersistentVolume") default_persistent_volume(root.as<k8s::PersistentVolume>());
  else if (k == "PersistentVolumeClaim") default_claim(root.as<k8s::PersistentVolumeClaim>());
  else if (k == "RoleBinding")
    default_binding(root.as<k8s::RoleBinding>());
  else if (k == "ClusterRoleBinding")
    default_binding(root.as<k8s::ClusterRoleBinding>());
  else if (k == "Namespace")
    default_namespace(root.as<k8s::Namespace>());
  else if (k == "Node")
    default_node(root.as<k8s::Node>());
  else if (k == "PriorityClass" && root.as<k8s::PriorityClass>().getPreemptionPolicy() ==
                                       k8s::PreemptionPolicy::UNSPECIFIED)
    root.as<k8s::PriorityClass>().setPreemptionPolicy(
        k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY);
}

}  // namespace troupe
