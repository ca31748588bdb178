@0xfa1c517e783a56a3;
# Core group, version v1: Namespace, Pod, Node, Service, Endpoints, ConfigMap, Secret,
# ServiceAccount, Event, PersistentVolume, PersistentVolumeClaim.
# Field names, nesting and enum spellings are Kubernetes' so its manifests read unchanged.
# Every top-level kind starts with apiVersion @0, kind @1, metadata @2 (the store relies on it).
using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Meta = import "meta.capnp";
$Cxx.namespace("troupe::k8s");

using ObjectMeta = Meta.ObjectMeta;
using StringEntry = Meta.StringEntry;
using QuantityEntry = Meta.QuantityEntry;
using IntOrString = Meta.IntOrString;
using LabelSelector = Meta.LabelSelector;
using ObjectReference = Meta.ObjectReference;
using LocalObjectReference = Meta.LocalObjectReference;
using ConditionStatus = Meta.ConditionStatus;

# ---- enums --------------------------------------------------------------------------------------

enum Protocol {
  unspecified @0;
  tcp @1 $Json.name("TCP");
  udp @2 $Json.name("UDP");
  sctp @3 $Json.name("SCTP");
}

enum PullPolicy {
  unspecified @0;
  always @1 $Json.name("Always");
  ifNotPresent @2 $Json.name("IfNotPresent");
  never @3 $Json.name("Never");
}

enum RestartPolicy {
  unspecified @0;
  always @1 $Json.name("Always");
  onFailure @2 $Json.name("OnFailure");
  never @3 $Json.name("Never");
}

enum DnsPolicy {
  unspecified @0;
  clusterFirst @1 $Json.name("ClusterFirst");
  clusterFirstWithHostNet @2 $Json.name("ClusterFirstWithHostNet");
  default @3 $Json.name("Default");
  none @4 $Json.name("None");
}

enum PodPhase {
  unspecified @0;
  pending @1 $Json.name("Pending");
  running @2 $Json.name("Running");
  succeeded @3 $Json.name("Succeeded");
  failed @4 $Json.name("Failed");
  unknown @5 $Json.name("Unknown");
}

enum UriScheme {
  unspecified @0;
  http @1 $Json.name("HTTP");
  https @2 $Json.name("HTTPS");
}

enum TerminationMessagePolicy {
  unspecified @0;
  file @1 $Json.name("File");
  fallbackToLogsOnError @2 $Json.name("FallbackToLogsOnError");
}

enum NodeSelectorOperator {
  unspecified @0;
  in @1 $Json.name("In");
  notIn @2 $Json.name("NotIn");
  exists @3 $Json.name("Exists");
  doesNotExist @4 $Json.name("DoesNotExist");
  gt @5 $Json.name("Gt");
  lt @6 $Json.name("Lt");
}

enum TolerationOperator {
  unspecified @0;
  exists @1 $Json.name("Exists");
  equal @2 $Json.name("Equal");
}

enum TaintEffect {
  unspecified @0;
  noSchedule @1 $Json.name("NoSchedule");
  preferNoSchedule @2 $Json.name("PreferNoSchedule");
  noExecute @3 $Json.name("NoExecute");
}

enum QosClass {
  unspecified @0;
  guaranteed @1 $Json.name("Guaranteed");
  burstable @2 $Json.name("Burstable");
  bestEffort @3 $Json.name("BestEffort");
}

enum HostPathType {
  unspecified @0 $Json.name("");
  directoryOrCreate @1 $Json.name("DirectoryOrCreate");
  directory @2 $Json.name("Directory");
  fileOrCreate @3 $Json.name("FileOrCreate");
  file @4 $Json.name("File");
  socket @5 $Json.name("Socket");
  charDevice @6 $Json.name("CharDevice");
  blockDevice @7 $Json.name("BlockDevice");
}

enum MountPropagation {
  unspecified @0;
  none @1 $Json.name("None");
  hostToContainer @2 $Json.name("HostToContainer");
  bidirectional @3 $Json.name("Bidirectional");
}

enum PreemptionPolicy {
  unspecified @0;
  preemptLowerPriority @1 $Json.name("PreemptLowerPriority");
  never @2 $Json.name("Never");
}

enum ServiceType {
  unspecified @0;
  clusterIP @1 $Json.name("ClusterIP");
  nodePort @2 $Json.name("NodePort");
  loadBalancer @3 $Json.name("LoadBalancer");
  externalName @4 $Json.name("ExternalName");
}

enum SessionAffinity {
  unspecified @0;
  none @1 $Json.name("None");
  clientIP @2 $Json.name("ClientIP");
}

enum TrafficPolicy {
  unspecified @0;
  cluster @1 $Json.name("Cluster");
  local @2 $Json.name("Local");
}

enum IpFamily {
  unspecified @0;
  ipv4 @1 $Json.name("IPv4");
  ipv6 @2 $Json.name("IPv6");
}

enum IpFamilyPolicy {
  unspecified @0;
  singleStack @1 $Json.name("SingleStack");
  preferDualStack @2 $Json.name("PreferDualStack");
  requireDualStack @3 $Json.name("RequireDualStack");
}

enum NamespacePhase {
  unspecified @0;
  active @1 $Json.name("Active");
  terminating @2 $Json.name("Terminating");
}

enum NodePhase {
  unspecified @0;
  pending @1 $Json.name("Pending");
  running @2 $Json.name("Running");
  terminated @3 $Json.name("Terminated");
}

enum AccessMode {
  unspecified @0;
  readWriteOnce @1 $Json.name("ReadWriteOnce");
  readOnlyMany @2 $Json.name("ReadOnlyMany");
  readWriteMany @3 $Json.name("ReadWriteMany");
  readWriteOncePod @4 $Json.name("ReadWriteOncePod");
}

enum ReclaimPolicy {
  unspecified @0;
  retain @1 $Json.name("Retain");
  recycle @2 $Json.name("Recycle");
  delete @3 $Json.name("Delete");
}

enum VolumeMode {
  unspecified @0;
  filesystem @1 $Json.name("Filesystem");
  block @2 $Json.name("Block");
}

enum PersistentVolumePhase {
  unspecified @0;
  pending @1 $Json.name("Pending");
  available @2 $Json.name("Available");
  bound @3 $Json.name("Bound");
  released @4 $Json.name("Released");
  failed @5 $Json.name("Failed");
}

enum ClaimPhase {
  unspecified @0;
  pending @1 $Json.name("Pending");
  bound @2 $Json.name("Bound");
  lost @3 $Json.name("Lost");
}

# ---- containers ---------------------------------------------------------------------------------

struct ContainerPort {
  name @0 :Text;
  hostPort @1 :Int32;
  containerPort @2 :Int32 $Meta.required;
  protocol @3 :Protocol;
  hostIP @4 :Text;
}

struct ObjectFieldSelector {
  apiVersion @0 :Text;
  fieldPath @1 :Text $Meta.required;
}

struct ResourceFieldSelector {
  containerName @0 :Text;
  resource @1 :Text $Meta.required;
  divisor @2 :Text $Meta.quantity;
}

struct ConfigMapKeySelector {
  name @0 :Text;
  key @1 :Text $Meta.required;
  optional :union { unset @2 :Void; value @3 :Bool; }
}

struct SecretKeySelector {
  name @0 :Text;
  key @1 :Text $Meta.required;
  optional :union { unset @2 :Void; value @3 :Bool; }
}

struct EnvVarSource {
  fieldRef @0 :ObjectFieldSelector;
  resourceFieldRef @1 :ResourceFieldSelector;
  configMapKeyRef @2 :ConfigMapKeySelector;
  secretKeyRef @3 :SecretKeySelector;
}

struct EnvVar {
  name @0 :Text $Meta.required;
  value @1 :Text;
  valueFrom @2 :EnvVarSource;
}

struct ConfigMapEnvSource {
  name @0 :Text;
  optional :union { unset @1 :Void; value @2 :Bool; }
}

struct SecretEnvSource {
  name @0 :Text;
  optional :union { unset @1 :Void; value @2 :Bool; }
}

struct EnvFromSource {
  prefix @0 :Text;
  configMapRef @1 :ConfigMapEnvSource;
  secretRef @2 :SecretEnvSource;
}

struct ResourceRequirements {
  limits @0 :List(QuantityEntry);
  requests @1 :List(QuantityEntry);
}

struct VolumeMount {
  name @0 :Text $Meta.required;
  readOnly @1 :Bool;
  mountPath @2 :Text $Meta.required;
  subPath @3 :Text;
  mountPropagation @4 :MountPropagation;
  subPathExpr @5 :Text;
}

struct ExecAction {
  command @0 :List(Text);
}

struct HttpHeader {
  name @0 :Text $Meta.required;
  value @1 :Text $Meta.required;
}

struct HttpGetAction {
  path @0 :Text;
  port @1 :IntOrString $Meta.required;
  host @2 :Text;
  scheme @3 :UriScheme;
  httpHeaders @4 :List(HttpHeader);
}

struct TcpSocketAction {
  port @0 :IntOrString $Meta.required;
  host @1 :Text;
}

struct GrpcAction {
  port @0 :Int32 $Meta.required;
  service @1 :Text;
}

struct Probe {
  union {
    unset @0 :Void;
    exec @1 :ExecAction;
    httpGet @2 :HttpGetAction $Json.name("httpGet");
    tcpSocket @3 :TcpSocketAction;
    grpc @4 :GrpcAction;
  }
  initialDelaySeconds @5 :Int32;
  timeoutSeconds @6 :Int32;
  periodSeconds @7 :Int32;
  successThreshold @8 :Int32;
  failureThreshold @9 :Int32;
  terminationGracePeriodSeconds :union { unset @10 :Void; value @11 :Int64; }
}

struct SleepAction {
  seconds @0 :Int64 $Meta.required;
}

struct LifecycleHandler {
  union {
    unset @0 :Void;
    exec @1 :ExecAction;
    httpGet @2 :HttpGetAction;
    tcpSocket @3 :TcpSocketAction;
    sleep @4 :SleepAction;
  }
}

struct Lifecycle {
  postStart @0 :LifecycleHandler;
  preStop @1 :LifecycleHandler;
}

struct Capabilities {
  add @0 :List(Text);
  drop @1 :List(Text);
}

struct SecurityContext {
  capabilities @0 :Capabilities;
  privileged :union { unset @1 :Void; value @2 :Bool; }
  runAsUser :union { unset @3 :Void; value @4 :Int64; }
  runAsGroup :union { unset @5 :Void; value @6 :Int64; }
  runAsNonRoot :union { unset @7 :Void; value @8 :Bool; }
  readOnlyRootFilesystem :union { unset @9 :Void; value @10 :Bool; }
  allowPrivilegeEscalation :union { unset @11 :Void; value @12 :Bool; }
}

struct Container {
  name @0 :Text $Meta.required;
  image @1 :Text;
  command @2 :List(Text);
  args @3 :List(Text);
  workingDir @4 :Text;
  ports @5 :List(ContainerPort);
  envFrom @6 :List(EnvFromSource);
  env @7 :List(EnvVar);
  resources @8 :ResourceRequirements;
  volumeMounts @9 :List(VolumeMount);
  livenessProbe @10 :Probe;
  readinessProbe @11 :Probe;
  startupProbe @12 :Probe;
  lifecycle @13 :Lifecycle;
  terminationMessagePath @14 :Text;
  terminationMessagePolicy @15 :TerminationMessagePolicy;
  imagePullPolicy @16 :PullPolicy;
  securityContext @17 :SecurityContext;
  stdin @18 :Bool;
  stdinOnce @19 :Bool;
  tty @20 :Bool;
  restartPolicy @21 :Text;   # sidecar init containers: "Always"
}

# ---- volumes ------------------------------------------------------------------------------------

struct KeyToPath {
  key @0 :Text $Meta.required;
  path @1 :Text $Meta.required;
  mode :union { unset @2 :Void; value @3 :Int32; }
}

struct EmptyDirVolumeSource {
  medium @0 :Text;
  sizeLimit @1 :Text $Meta.quantity;
}

struct HostPathVolumeSource {
  path @0 :Text $Meta.required;
  type @1 :HostPathType;
}

struct ConfigMapVolumeSource {
  name @0 :Text;
  items @1 :List(KeyToPath);
  defaultMode :union { unset @2 :Void; value @3 :Int32; }
  optional :union { unset @4 :Void; value @5 :Bool; }
}

struct SecretVolumeSource {
  secretName @0 :Text;
  items @1 :List(KeyToPath);
  defaultMode :union { unset @2 :Void; value @3 :Int32; }
  optional :union { unset @4 :Void; value @5 :Bool; }
}

struct PersistentVolumeClaimVolumeSource {
  claimName @0 :Text $Meta.required;
  readOnly @1 :Bool;
}

struct DownwardApiVolumeFile {
  path @0 :Text $Meta.required;
  fieldRef @1 :ObjectFieldSelector;
  resourceFieldRef @2 :ResourceFieldSelector;
  mode :union { unset @3 :Void; value @4 :Int32; }
}

struct DownwardApiVolumeSource {
  items @0 :List(DownwardApiVolumeFile);
  defaultMode :union { unset @1 :Void; value @2 :Int32; }
}

struct Volume {
  name @0 :Text $Meta.required;
  union {
    unset @1 :Void;
    emptyDir @2 :EmptyDirVolumeSource;
    hostPath @3 :HostPathVolumeSource;
    configMap @4 :ConfigMapVolumeSource;
    secret @5 :SecretVolumeSource;
    persistentVolumeClaim @6 :PersistentVolumeClaimVolumeSource;
    downwardAPI @7 :DownwardApiVolumeSource;
  }
}

# ---- scheduling -----------------------------------------------------------------------------------

struct NodeSelectorRequirement {
  key @0 :Text $Meta.required;
  operator @1 :NodeSelectorOperator $Meta.required;
  values @2 :List(Text);
}

struct NodeSelectorTerm {
  matchExpressions @0 :List(NodeSelectorRequirement);
  matchFields @1 :List(NodeSelectorRequirement);
}

struct NodeSelector {
  nodeSelectorTerms @0 :List(NodeSelectorTerm) $Meta.required;
}

struct PreferredSchedulingTerm {
  weight @0 :Int32 $Meta.required;
  preference @1 :NodeSelectorTerm $Meta.required;
}

struct NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution @0 :NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution @1 :List(PreferredSchedulingTerm);
}

struct PodAffinityTerm {
  labelSelector @0 :LabelSelector;
  namespaces @1 :List(Text);
  topologyKey @2 :Text $Meta.required;
  namespaceSelector @3 :LabelSelector;
}

struct WeightedPodAffinityTerm {
  weight @0 :Int32 $Meta.required;
  podAffinityTerm @1 :PodAffinityTerm $Meta.required;
}

struct PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution @0 :List(PodAffinityTerm);
  preferredDuringSchedulingIgnoredDuringExecution @1 :List(WeightedPodAffinityTerm);
}

struct Affinity {
  nodeAffinity @0 :NodeAffinity;
  podAffinity @1 :PodAffinity;
  podAntiAffinity @2 :PodAffinity;
}

struct Toleration {
  key @0 :Text;
  operator @1 :TolerationOperator;
  value @2 :Text;
  effect @3 :TaintEffect;
  tolerationSeconds :union { unset @4 :Void; value @5 :Int64; }
}

struct TopologySpreadConstraint {
  maxSkew @0 :Int32 $Meta.required;
  topologyKey @1 :Text $Meta.required;
  whenUnsatisfiable @2 :Text $Meta.required;
  labelSelector @3 :LabelSelector;
  minDomains :union { unset @4 :Void; value @5 :Int32; }
  nodeAffinityPolicy @6 :Text;  # Honor (the default) or Ignore
  nodeTaintsPolicy @7 :Text;    # Ignore (the default) or Honor
  matchLabelKeys @8 :List(Text);
}

struct HostAlias {
  ip @0 :Text;
  hostnames @1 :List(Text);
}

struct PodDnsConfigOption {
  name @0 :Text;
  value @1 :Text;
}

struct PodDnsConfig {
  nameservers @0 :List(Text);
  searches @1 :List(Text);
  options @2 :List(PodDnsConfigOption);
}

struct PodSecurityContext {
  runAsUser :union { unset @0 :Void; value @1 :Int64; }
  runAsGroup :union { unset @2 :Void; value @3 :Int64; }
  runAsNonRoot :union { unset @4 :Void; value @5 :Bool; }
  fsGroup :union { unset @6 :Void; value @7 :Int64; }
  supplementalGroups @8 :List(Int64);
}

struct PodReadinessGate {
  conditionType @0 :Text $Meta.required;
}

struct PodSpec {
  volumes @0 :List(Volume);
  initContainers @1 :List(Container);
  containers @2 :List(Container) $Meta.required;
  restartPolicy @3 :RestartPolicy;
  terminationGracePeriodSeconds :union { unset @4 :Void; value @5 :Int64; }
  activeDeadlineSeconds :union { unset @6 :Void; value @7 :Int64; }
  dnsPolicy @8 :DnsPolicy;
  nodeSelector @9 :List(StringEntry);
  serviceAccountName @10 :Text;
  serviceAccount @11 :Text;
  automountServiceAccountToken :union { unset @12 :Void; value @13 :Bool; }
  nodeName @14 :Text;
  hostNetwork @15 :Bool;
  hostPID @16 :Bool;
  hostIPC @17 :Bool;
  shareProcessNamespace :union { unset @18 :Void; value @19 :Bool; }
  securityContext @20 :PodSecurityContext;
  imagePullSecrets @21 :List(LocalObjectReference);
  hostname @22 :Text;
  subdomain @23 :Text;
  affinity @24 :Affinity;
  schedulerName @25 :Text;
  tolerations @26 :List(Toleration);
  hostAliases @27 :List(HostAlias);
  priorityClassName @28 :Text;
  priority :union { unset @29 :Void; value @30 :Int32; }
  dnsConfig @31 :PodDnsConfig;
  readinessGates @32 :List(PodReadinessGate);
  runtimeClassName @33 :Text;
  enableServiceLinks :union { unset @34 :Void; value @35 :Bool; }
  preemptionPolicy @36 :PreemptionPolicy;
  overhead @37 :List(QuantityEntry);
  topologySpreadConstraints @38 :List(TopologySpreadConstraint);
  os @39 :PodOs;
  hostUsers :union { unset @40 :Void; value @41 :Bool; }
  setHostnameAsFQDN :union { unset @42 :Void; value @43 :Bool; }
  schedulingGates @44 :List(PodSchedulingGate);
}

# While a pod has gates the scheduler leaves it alone; they may only be removed.
struct PodSchedulingGate {
  name @0 :Text;
}

struct PodOs {
  name @0 :Text $Meta.required;  # linux or windows
}

# ---- pod status ---------------------------------------------------------------------------------

struct PodCondition {
  type @0 :Text $Meta.required;
  status @1 :ConditionStatus $Meta.required;
  lastProbeTime @2 :Int64 $Meta.rfc3339 $Meta.always;
  lastTransitionTime @3 :Int64 $Meta.rfc3339;
  reason @4 :Text;
  message @5 :Text;
}

struct ContainerStateWaiting {
  reason @0 :Text;
  message @1 :Text;
}

struct ContainerStateRunning {
  startedAt @0 :Int64 $Meta.rfc3339;
}

struct ContainerStateTerminated {
  exitCode @0 :Int32 $Meta.always;
  signal @1 :Int32;
  reason @2 :Text;
  message @3 :Text;
  startedAt @4 :Int64 $Meta.rfc3339;
  finishedAt @5 :Int64 $Meta.rfc3339;
  containerID @6 :Text;
}

struct ContainerState {
  union {
    unset @0 :Void;
    waiting @1 :ContainerStateWaiting;
    running @2 :ContainerStateRunning;
    terminated @3 :ContainerStateTerminated;
  }
}

struct ContainerStatus {
  name @0 :Text $Meta.required;
  state @1 :ContainerState;
  lastState @2 :ContainerState;
  ready @3 :Bool $Meta.always $Meta.required;
  restartCount @4 :Int32 $Meta.always $Meta.required;
  image @5 :Text $Meta.required;
  imageID @6 :Text $Meta.required;
  containerID @7 :Text;
  started :union { unset @8 :Void; value @9 :Bool; }
}

struct PodIP {
  ip @0 :Text;
}

struct PodStatus {
  phase @0 :PodPhase;
  conditions @1 :List(PodCondition);
  message @2 :Text;
  reason @3 :Text;
  nominatedNodeName @4 :Text;
  hostIP @5 :Text;
  hostIPs @6 :List(PodIP);
  podIP @7 :Text;
  podIPs @8 :List(PodIP);
  startTime @9 :Int64 $Meta.rfc3339;
  initContainerStatuses @10 :List(ContainerStatus);
  containerStatuses @11 :List(ContainerStatus);
  qosClass @12 :QosClass;
}

struct PodTemplateSpec {
  metadata @0 :ObjectMeta;
  spec @1 :PodSpec;
}

struct Pod $Meta.resource(generation = true, version = "v1", plural = "pods", shortNames = ["po"], namespaced = true,
                          categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :PodSpec;
  status @4 :PodStatus;
}

# ---- namespace ----------------------------------------------------------------------------------

struct NamespaceCondition {
  type @0 :Text $Meta.required;
  status @1 :ConditionStatus $Meta.required;
  lastTransitionTime @2 :Int64 $Meta.rfc3339;
  reason @3 :Text;
  message @4 :Text;
}

struct Namespace $Meta.resource(version = "v1", plural = "namespaces", shortNames = ["ns"],
                                namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :Spec;
  status @4 :Status;

  struct Spec {
    finalizers @0 :List(Text);
  }
  struct Status {
    phase @0 :NamespacePhase;
    conditions @1 :List(NamespaceCondition);
  }
}

# ---- node ---------------------------------------------------------------------------------------

struct Taint {
  key @0 :Text $Meta.required;
  value @1 :Text;
  effect @2 :TaintEffect $Meta.required;
  timeAdded @3 :Int64 $Meta.rfc3339;
}

struct NodeCondition {
  type @0 :Text $Meta.required;
  status @1 :ConditionStatus $Meta.required;
  lastHeartbeatTime @2 :Int64 $Meta.rfc3339;
  lastTransitionTime @3 :Int64 $Meta.rfc3339;
  reason @4 :Text;
  message @5 :Text;
}

struct NodeAddress {
  type @0 :Text $Meta.required;          # Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS
  address @1 :Text $Meta.required;
}

struct DaemonEndpoint {
  port @0 :Int32 $Json.name("Port") $Meta.required;
}

struct NodeDaemonEndpoints {
  kubeletEndpoint @0 :DaemonEndpoint;
}

struct NodeSystemInfo {
  machineID @0 :Text $Meta.required;
  systemUUID @1 :Text $Meta.required;
  bootID @2 :Text $Meta.required;
  kernelVersion @3 :Text $Meta.required;
  osImage @4 :Text $Meta.required;
  containerRuntimeVersion @5 :Text $Meta.required;
  kubeletVersion @6 :Text $Meta.required;
  kubeProxyVersion @7 :Text $Meta.required;
  operatingSystem @8 :Text $Meta.required;
  architecture @9 :Text $Meta.required;
}

struct ContainerImage {
  names @0 :List(Text);
  sizeBytes @1 :Int64;
}

struct NodeSpec {
  podCIDR @0 :Text;
  podCIDRs @1 :List(Text);
  providerID @2 :Text;
  unschedulable @3 :Bool;
  taints @4 :List(Taint);
}

struct NodeStatus {
  capacity @0 :List(QuantityEntry);
  allocatable @1 :List(QuantityEntry);
  phase @2 :NodePhase;
  conditions @3 :List(NodeCondition);
  addresses @4 :List(NodeAddress);
  daemonEndpoints @5 :NodeDaemonEndpoints;
  nodeInfo @6 :NodeSystemInfo;
  images @7 :List(ContainerImage);
}

struct Node $Meta.resource(version = "v1", plural = "nodes", shortNames = ["no"],
                           namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :NodeSpec;
  status @4 :NodeStatus;
}

# ---- service and endpoints ----------------------------------------------------------------------

struct ServicePort {
  name @0 :Text;
  protocol @1 :Protocol;
  appProtocol @2 :Text;
  port @3 :Int32 $Meta.required;
  targetPort @4 :IntOrString;
  nodePort @5 :Int32;
}

struct ClientIpConfig {
  timeoutSeconds :union { unset @0 :Void; value @1 :Int32; }
}

struct SessionAffinityConfig {
  clientIP @0 :ClientIpConfig;
}

struct ServiceSpec {
  ports @0 :List(ServicePort);
  selector @1 :List(StringEntry);
  clusterIP @2 :Text;
  clusterIPs @3 :List(Text);
  type @4 :ServiceType;
  externalIPs @5 :List(Text);
  sessionAffinity @6 :SessionAffinity;
  loadBalancerIP @7 :Text;
  loadBalancerSourceRanges @8 :List(Text);
  externalName @9 :Text;
  externalTrafficPolicy @10 :TrafficPolicy;
  healthCheckNodePort @11 :Int32;
  publishNotReadyAddresses @12 :Bool;
  sessionAffinityConfig @13 :SessionAffinityConfig;
  ipFamilies @14 :List(IpFamily);
  ipFamilyPolicy @15 :IpFamilyPolicy;
  allocateLoadBalancerNodePorts :union { unset @16 :Void; value @17 :Bool; }
  loadBalancerClass @18 :Text;
  internalTrafficPolicy @19 :TrafficPolicy;
  trafficDistribution @20 :Text;
}

struct PortStatus {
  port @0 :Int32 $Meta.required;
  protocol @1 :Protocol $Meta.required;
  error @2 :Text;
}

struct LoadBalancerIngress {
  ip @0 :Text;
  hostname @1 :Text;
  ports @2 :List(PortStatus);
}

struct LoadBalancerStatus {
  ingress @0 :List(LoadBalancerIngress);
}

struct ServiceStatus {
  loadBalancer @0 :LoadBalancerStatus;
  conditions @1 :List(Meta.Condition);
}

struct Service $Meta.resource(version = "v1", plural = "services", shortNames = ["svc"],
                              namespaced = true, categories = ["all"]) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :ServiceSpec;
  status @4 :ServiceStatus;
}

struct EndpointAddress {
  ip @0 :Text $Meta.required;
  hostname @1 :Text;
  nodeName @2 :Text;
  targetRef @3 :ObjectReference;
}

struct EndpointPort {
  name @0 :Text;
  port @1 :Int32 $Meta.required;
  protocol @2 :Protocol;
  appProtocol @3 :Text;
}

struct EndpointSubset {
  addresses @0 :List(EndpointAddress);
  notReadyAddresses @1 :List(EndpointAddress);
  ports @2 :List(EndpointPort);
}

struct Endpoints $Meta.resource(version = "v1", plural = "endpoints", shortNames = ["ep"],
                                namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  subsets @3 :List(EndpointSubset);
}

# ---- configuration ------------------------------------------------------------------------------

struct ConfigMap $Meta.resource(version = "v1", plural = "configmaps", shortNames = ["cm"],
                                namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  data @3 :List(StringEntry);
  binaryData @4 :List(Meta.BytesEntry);
  immutable :union { unset @5 :Void; value @6 :Bool; }
}

struct Secret $Meta.resource(version = "v1", plural = "secrets", namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  data @3 :List(Meta.BytesEntry);
  stringData @4 :List(StringEntry);   # write-only: merged into data on create/update
  type @5 :Text;                      # Opaque, kubernetes.io/tls, ... (an open set)
  immutable :union { unset @6 :Void; value @7 :Bool; }
}

struct ServiceAccount $Meta.resource(version = "v1", plural = "serviceaccounts",
                                     shortNames = ["sa"], namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  secrets @3 :List(ObjectReference);
  imagePullSecrets @4 :List(LocalObjectReference);
  automountServiceAccountToken :union { unset @5 :Void; value @6 :Bool; }
}

# ---- events -------------------------------------------------------------------------------------

struct EventSource {
  component @0 :Text;
  host @1 :Text;
}

struct EventSeries {
  count @0 :Int32;
  lastObservedTime @1 :Int64 $Meta.rfc3339Micro;
}

struct Event $Meta.resource(version = "v1", plural = "events", shortNames = ["ev"],
                            namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta $Meta.required;
  involvedObject @3 :ObjectReference $Meta.required;
  reason @4 :Text;
  message @5 :Text;
  source @6 :EventSource;
  firstTimestamp @7 :Int64 $Meta.rfc3339 $Meta.always;
  lastTimestamp @8 :Int64 $Meta.rfc3339 $Meta.always;
  count @9 :Int32;
  type @10 :Text;                     # Normal or Warning
  eventTime @11 :Int64 $Meta.rfc3339Micro $Meta.always;
  series @12 :EventSeries;
  action @13 :Text;
  related @14 :ObjectReference;
  reportingComponent @15 :Text $Meta.always;
  reportingInstance @16 :Text $Meta.always;
}

# ---- storage ------------------------------------------------------------------------------------

struct LocalVolumeSource {
  path @0 :Text $Meta.required;
  fsType @1 :Text;
}

struct SecretReference {
  name @0 :Text;
  namespace @1 :Text;
}

struct CsiPersistentVolumeSource {
  driver @0 :Text $Meta.required;
  volumeHandle @1 :Text $Meta.required;
  readOnly @2 :Bool;
  fsType @3 :Text;
  volumeAttributes @4 :List(StringEntry);
  controllerPublishSecretRef @5 :SecretReference;
  nodeStageSecretRef @6 :SecretReference;
  nodePublishSecretRef @7 :SecretReference;
  controllerExpandSecretRef @8 :SecretReference;
  nodeExpandSecretRef @9 :SecretReference;
}

struct NfsVolumeSource {
  server @0 :Text $Meta.required;
  path @1 :Text $Meta.required;
  readOnly @2 :Bool;
}

struct VolumeNodeAffinity {
  required @0 :NodeSelector;
}

struct PersistentVolumeSpec {
  capacity @0 :List(QuantityEntry);
  accessModes @1 :List(AccessMode);
  persistentVolumeReclaimPolicy @2 :ReclaimPolicy;
  storageClassName @3 :Text;
  volumeMode @4 :VolumeMode;
  claimRef @5 :ObjectReference;
  mountOptions @6 :List(Text);
  nodeAffinity @7 :VolumeNodeAffinity;
  union {
    unset @8 :Void;
    hostPath @9 :HostPathVolumeSource;
    local @10 :LocalVolumeSource;
    nfs @11 :NfsVolumeSource;
    csi @12 :CsiPersistentVolumeSource;
  }
}

struct PersistentVolumeStatus {
  phase @0 :PersistentVolumePhase;
  message @1 :Text;
  reason @2 :Text;
  lastPhaseTransitionTime @3 :Int64 $Meta.rfc3339;
}

struct PersistentVolume $Meta.resource(version = "v1", plural = "persistentvolumes",
                                       shortNames = ["pv"], namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :PersistentVolumeSpec;
  status @4 :PersistentVolumeStatus;
}

struct VolumeResourceRequirements {
  limits @0 :List(QuantityEntry);
  requests @1 :List(QuantityEntry);
}

struct PersistentVolumeClaimSpec {
  accessModes @0 :List(AccessMode);
  selector @1 :LabelSelector;
  resources @2 :VolumeResourceRequirements;
  volumeName @3 :Text;
  storageClassName :union { unset @4 :Void; value @5 :Text; }
  volumeMode @6 :VolumeMode;
  dataSource @7 :Meta.TypedLocalObjectReference;
  dataSourceRef @8 :TypedObjectReference;
}

struct TypedObjectReference {
  apiGroup @0 :Text;
  kind @1 :Text $Meta.required;
  name @2 :Text $Meta.required;
  namespace @3 :Text;
}

struct PersistentVolumeClaimCondition {
  type @0 :Text $Meta.required;
  status @1 :ConditionStatus $Meta.required;
  lastProbeTime @2 :Int64 $Meta.rfc3339 $Meta.always;
  lastTransitionTime @3 :Int64 $Meta.rfc3339;
  reason @4 :Text;
  message @5 :Text;
}

struct PersistentVolumeClaimStatus {
  phase @0 :ClaimPhase;
  accessModes @1 :List(AccessMode);
  capacity @2 :List(QuantityEntry);
  conditions @3 :List(PersistentVolumeClaimCondition);
}

struct PersistentVolumeClaim $Meta.resource(version = "v1", plural = "persistentvolumeclaims",
                                            shortNames = ["pvc"], namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :ObjectMeta;
  spec @3 :PersistentVolumeClaimSpec;
  status @4 :PersistentVolumeClaimStatus;
}
