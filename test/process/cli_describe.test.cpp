// `describe` against a real `troupe server`, laid out as kubectl's describers lay out pods,
// deployments, services and nodes.

#include <catch2/catch.hpp>
#include <regex>

#include "test/harness/cli.hpp"

using troupe::testing::cluster;
using troupe::testing::lines;

namespace {

// The lines of `text` that match `pattern` whole, joined with "\n" (so a CHECK shows them).
std::string matching(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  std::string out;
  for (auto& line : lines(text))
    if (std::regex_match(line, re)) out += (out.empty() ? "" : "\n") + line;
  return out;
}

// True when `expected` appears in `text` as consecutive whole lines.
bool has_block(const std::string& text, const std::string& expected) {
  return ("\n" + text).find("\n" + expected) != std::string::npos;
}

}  // namespace

TEST_CASE("describe pod has kubectl's layout", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {b: "2", a: "1"}
  annotations: {note: "first\nsecond"}
spec:
  nodeName: n1
  containers:
  - name: web
    image: nginx:1.25
    args: ["--port", "80"]
    ports: [{containerPort: 80}]
    env: [{name: MODE, value: fast}, {name: ME, valueFrom: {fieldRef: {fieldPath: metadata.name}}},
          {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}},
          {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory}}}]
    resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes: [{name: scratch, emptyDir: {}}]
  tolerations: [{key: k, operator: Exists, effect: NoSchedule}, {operator: Exists}]
)")
              .code == 0);
  auto r = c.troupe({"describe", "pod", "p"});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  // The first block aligns on its longest label, "Service Account:".
  CHECK(has_block(r.out,
                  "Name:             p\n"
                  "Namespace:        default\n"
                  "Priority:         0\n"
                  "Service Account:  default\n"
                  "Node:             n1/\n"
                  "Labels:           a=1\n"
                  "                  b=2\n"
                  "Annotations:      note:\n"
                  "                    first\n"
                  "                    second\n"
                  "Status:           Pending\n"));
  CHECK(has_block(r.out,
                  "Containers:\n  web:\n    Image:      nginx:1.25\n"
                  "    Port:       80/TCP\n    Host Port:  0/TCP\n    Args:\n"
                  "      --port\n      80\n"));
  // A line without a tab ends a column block: each list below aligns on its own.
  CHECK(has_block(r.out,
                  "    Limits:\n      cpu:  200m\n    Requests:\n      cpu:  100m\n"
                  "    Environment:\n      MODE:  fast\n"
                  "      ME:    p (v1:metadata.name)\n"
                  "      CPU:   200 (limits.cpu)\n"
                  "      MEM:   node allocatable (limits.memory)\n"
                  "    Mounts:\n      /scratch from scratch (rw)\n"));
  CHECK(has_block(r.out,
                  "Volumes:\n  scratch:\n"
                  "    Type:        EmptyDir (a temporary directory that shares a pod's "
                  "lifetime)\n"));
  CHECK(matching(r.out, "QoS Class: +Burstable") != "");
  CHECK(matching(r.out, "Node-Selectors: +<none>") != "");
  CHECK(has_block(r.out, "Tolerations:     k:NoSchedule op=Exists\n"
                         "                 op=Exists\n"));
  CHECK(matching(r.out, "Events: +<none>|Events:") != "");
}

TEST_CASE("describe deployment shows replicas strategy and the pod template", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.25}]}
)")
              .code == 0);
  auto r = c.troupe({"describe", "deploy", "web"});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  CHECK(matching(r.out, "Selector: +app=web") != "");
  CHECK(matching(r.out,
                 "Replicas: +2 desired \\| \\d+ updated \\| \\d+ total \\| \\d+ available "
                 "\\| \\d+ unavailable") != "");
  CHECK(matching(r.out, "StrategyType: +RollingUpdate") != "");
  CHECK(matching(r.out, "MinReadySeconds: +0") != "");
  CHECK(matching(r.out, "RollingUpdateStrategy: +25% max unavailable, 25% max surge") != "");
  CHECK(has_block(r.out,
                  "Pod Template:\n  Labels:  app=web\n  Containers:\n   web:\n"
                  "    Image:         nginx:1.25\n"));
  CHECK(matching(r.out, "  Tolerations: +<none>") != "");
  CHECK(matching(r.out, "NewReplicaSet: +.*") != "");
}

TEST_CASE("describe service shows ports target ports and endpoints", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: v1
kind: Service
metadata: {name: db}
spec: {ports: [{name: pg, port: 5432, targetPort: 15432}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: db}
subsets:
- addresses: [{ip: 10.1.0.1}, {ip: 10.1.0.2}, {ip: 10.1.0.3}, {ip: 10.1.0.4}]
  ports: [{name: pg, port: 15432}]
)")
              .code == 0);
  auto r = c.troupe({"describe", "svc", "db"});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  CHECK(matching(r.out, "Type: +ClusterIP") != "");
  CHECK(matching(r.out, "IP Families: +\\S+") != "");
  CHECK(matching(r.out, "IP: +\\S+") != "");
  CHECK(matching(r.out, "Port: +pg  5432/TCP") != "");
  CHECK(matching(r.out, "TargetPort: +15432/TCP") != "");
  CHECK(matching(r.out, "Endpoints: +10.1.0.1:15432,10.1.0.2:15432,10.1.0.3:15432 \\+ 1 more...") !=
        "");
  CHECK(matching(r.out, "Session Affinity: +None") != "");
}

TEST_CASE("describe node shows its lease conditions capacity and pods", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: v1
kind: Node
metadata: {name: n1, labels: {node-role.kubernetes.io/worker: ""}}
spec: {taints: [{key: k, value: v, effect: NoSchedule}]}
status:
  capacity: {cpu: "2", memory: 4Gi}
  allocatable: {cpu: "2", memory: 4Gi, hugepages-2Mi: 64Mi, example.com/dongle: "4"}
  addresses: [{type: InternalIP, address: 10.0.0.9}]
  nodeInfo: {kubeletVersion: v1.0}
---
apiVersion: v1
kind: Pod
metadata: {name: busy}
spec:
  nodeName: n1
  tolerations: [{key: k, operator: Exists}]
  containers: [{name: c, image: i, resources: {requests: {cpu: 500m, memory: 1Gi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: setup}
spec:
  nodeName: n1
  tolerations: [{key: k, operator: Exists}]
  overhead: {memory: 64Mi}
  initContainers:
  - {name: side, image: i, restartPolicy: Always, resources: {requests: {cpu: 100m}}}
  - {name: init, image: i, resources: {requests: {cpu: "1"}}}
  containers:
  - name: app
    image: i
    resources:
      requests: {cpu: 100m, memory: 128Mi, hugepages-2Mi: 32Mi}
      limits: {memory: 256Mi, hugepages-2Mi: 32Mi, example.com/dongle: "1"}
)")
              .code == 0);
  auto r = c.troupe({"describe", "node", "n1"});
  CHECK(r.code == 0);
  CAPTURE(r.out);
  CHECK(matching(r.out, "Roles: +worker") != "");
  CHECK(matching(r.out, "Taints: +k=v:NoSchedule") != "");
  CHECK(matching(r.out, "Unschedulable: +false") != "");
  CHECK(matching(r.out, "Lease:.*") != "");
  CHECK(has_block(r.out, "Addresses:\n  InternalIP:  10.0.0.9\n"));
  CHECK(has_block(r.out, "Capacity:\n  cpu:     2\n  memory:  4Gi\n"));
  CHECK(matching(r.out, "  Kubelet Version: +v1.0") != "");
  CHECK(matching(r.out, "Non-terminated Pods: +\\(2 in total\\)") != "");
  CHECK(matching(r.out,
                 "  default +busy +500m \\(25%\\) +0 \\(0%\\) +1Gi \\(25%\\) +0 \\(0%\\) +\\S+") !=
        "");
  CHECK(has_block(r.out,
                  "Allocated resources:\n"
                  "  (Total limits may be over 100 percent, i.e., overcommitted.)\n"));
  // As kubectl's PodRequestsAndLimits: the init container's peak beside the sidecar started
  // before it (1 + 100m) over the containers and the sidecar (200m); the overhead added to the
  // requests and to the limits set.
  CHECK(
      matching(
          r.out,
          "  default +setup +1100m \\(55%\\) +0 \\(0%\\) +192Mi \\(4%\\) +320Mi \\(7%\\) +\\S+") !=
      "");
  CHECK(matching(r.out, "  cpu +1600m \\(80%\\) +0 \\(0%\\)") != "");
  CHECK(matching(r.out, "  memory +1216Mi \\(29%\\) +320Mi \\(7%\\)") != "");
  CHECK(matching(r.out, "  ephemeral-storage +0 \\(0%\\) +0 \\(0%\\)") != "");
  CHECK(matching(r.out, "  hugepages-2Mi +32Mi \\(50%\\) +32Mi \\(50%\\)") != "");
  CHECK(matching(r.out, "  example.com/dongle +1 +1") != "");
}

TEST_CASE("describe of config maps accounts roles bindings claims and workloads follows kubectl", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {b: two, a: one}
binaryData: {bin: AAECAw==}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
imagePullSecrets: [{name: regcred}, {name: missing}]
---
apiVersion: v1
kind: Secret
metadata: {name: regcred}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: urls}
rules:
- {nonResourceURLs: [/api/*, /version], verbs: [get, head]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [""], resources: [pods], verbs: [list]}
- {apiGroups: [apps], resources: [deployments], resourceNames: [web], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: robot-reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: default}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  nodeName: nowhere
  volumes: [{name: d, persistentVolumeClaim: {claimName: claim}}]
  containers: [{name: c, image: busybox}]
)")
              .code == 0);
  CHECK(has_block(c.troupe({"describe", "cm", "cfg"}).out,
                  "Name:         cfg\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\n"
                  "a:\n----\none\nb:\n----\ntwo\n\nBinaryData\n====\nbin: 4 bytes\n\nEvents:  <none>\n"));
  CHECK(has_block(c.troupe({"describe", "sa", "robot"}).out,
                  "Image pull secrets:  regcred\n                     missing (not found)\n"
                  "Mountable secrets:   <none>\nTokens:              <none>\n"
                  "Events:              <none>\n"));
  CHECK(has_block(c.troupe({"describe", "role", "reader"}).out,
                  "PolicyRule:\n  Resources         Non-Resource URLs  Resource Names  Verbs\n"
                  "  ---------         -----------------  --------------  -----\n"
                  "  pods              []                 []              [get list]\n"
                  "  deployments.apps  []                 [web]           [get]\n"));  // kubectl's order: by the rule's text
  // A non-resource URL rule per URL and verb, never merged.
  CHECK(has_block(c.troupe({"describe", "clusterrole", "urls"}).out,
                  "  Resources  Non-Resource URLs  Resource Names  Verbs\n"
                  "  ---------  -----------------  --------------  -----\n"
                  "             [/api/*]           []              [get]\n"
                  "             [/version]         []              [get]\n"
                  "             [/api/*]           []              [head]\n"
                  "             [/version]         []              [head]\n"));
  CHECK(has_block(c.troupe({"describe", "rolebinding", "robot-reads"}).out,
                  "Role:\n  Kind:  Role\n  Name:  reader\nSubjects:\n  Kind            Name   Namespace\n"
                  "  ----            ----   ---------\n  ServiceAccount  robot  default\n"));
  auto claim = c.troupe({"describe", "pvc", "claim"}).out;
  CHECK(matching(claim, "Status: +Pending") != "");
  CHECK(matching(claim, "Finalizers: +\\[.*\\]") != "");
  CHECK(matching(claim, "Used By: +user") != "");
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: lpv}\nspec:\n"
                                         "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  local: {path: /mnt/x}\n"
                                         "  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: k, "
                                         "operator: In, values: [a, b]}, {key: d, operator: Exists}]}]}}\n").code == 0);
  CHECK(has_block(c.troupe({"describe", "pv", "lpv"}).out,
                  "Node Affinity:     \n  Required Terms:  \n    Term 0:        k in [a, b]\n                   d exists\n"));
  // kubectl's printCSIPersistentVolumeSource and printNFSVolumeSource.
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: csi}\nspec:\n"
                                         "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  csi: {driver: "
                                         "ebs.csi.aws.com, volumeHandle: vol-1, fsType: ext4, volumeAttributes: {b: '2', "
                                         "a: '1'}}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: nfs}\n"
                                         "spec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteMany]\n"
                                         "  nfs: {server: files.local, path: /exports}\n").code == 0);
  CHECK(has_block(c.troupe({"describe", "pv", "csi"}).out,
                  "Source:\n    Type:              CSI (a Container Storage Interface (CSI) volume source)\n"
                  "    Driver:            ebs.csi.aws.com\n    FSType:            ext4\n"
                  "    VolumeHandle:      vol-1\n    ReadOnly:          false\n"
                  "    VolumeAttributes:      a=1\n" + std::string(27, ' ') + "b=2\n"));
  CHECK(has_block(c.troupe({"describe", "pv", "nfs"}).out,
                  "Source:\n    Type:      NFS (an NFS mount that lasts the lifetime of a pod)\n"
                  "    Server:    files.local\n    Path:      /exports\n    ReadOnly:  false\n"));
  CHECK_THAT(c.troupe({"describe", "ns", "default"}).out,
             Catch::EndsWith("Status:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n"));
}

TEST_CASE("describe statefulset and daemonset have kubectl's layouts", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", TROUPE_EXAMPLES_DIR "/statefulset.yaml", "-f", TROUPE_EXAMPLES_DIR "/daemonset.yaml"}).code == 0);
  auto sts = c.troupe({"describe", "sts", "kv"});
  CAPTURE(sts.out);
  CHECK(matching(sts.out, "Replicas: +2 desired \\| 0 total") != "");
  CHECK(matching(sts.out, "Update Strategy: +RollingUpdate") != "");
  CHECK(matching(sts.out, "Pods Status: +0 Running / 0 Waiting / 0 Succeeded / 0 Failed") != "");
  CHECK(matching(sts.out, "Volume Claims:") != "");
  CHECK(matching(sts.out, "  Capacity: +1Gi") != "");
  CHECK(matching(sts.out, "  Access Modes: +\\[ReadWriteOnce\\]") != "");
  auto ds = c.troupe({"describe", "ds", "node-agent"});
  CAPTURE(ds.out);
  CHECK(matching(ds.out, "Node-Selector: +<none>") != "");
  CHECK(matching(ds.out, "Desired Number of Nodes Scheduled: 0") != "");
  CHECK(matching(ds.out, "Number of Nodes Misscheduled: 0") != "");
  CHECK(matching(ds.out, "Pod Template:") != "");
}

TEST_CASE("describe endpoints has kubectl's layout", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets:
- addresses: [{ip: 127.0.0.5}, {ip: 127.0.0.6}]
  notReadyAddresses: [{ip: 127.0.0.7}]
  ports: [{name: http, port: 80}, {port: 53, protocol: UDP, name: dns}]
)")
              .code == 0);
  auto r = c.troupe({"describe", "ep", "ext"});
  CAPTURE(r.out);
  CHECK(matching(r.out, "^Subsets:$") != "");
  CHECK(matching(r.out, "^  Addresses: +127.0.0.5,127.0.0.6$") != "");
  CHECK(matching(r.out, "^  NotReadyAddresses: +127.0.0.7$") != "");
  CHECK(matching(r.out, "^    Name +Port +Protocol$") != "");
  CHECK(matching(r.out, "^    http +80 +TCP$") != "");
  CHECK(matching(r.out, "^    dns +53 +UDP$") != "");
}

TEST_CASE("describe of a kind kubectl has no describer for is its generic outline", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader, labels: {app: x}}
spec: {holderIdentity: worker-1, leaseDurationSeconds: 15}
)")
              .code == 0);
  auto r = c.troupe({"describe", "lease", "leader"});
  auto uid = c.troupe({"get", "lease", "leader", "-o", "jsonpath={.metadata.uid}"}).out;
  auto version = c.troupe({"get", "lease", "leader", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  auto created = c.troupe({"get", "lease", "leader", "-o", "jsonpath={.metadata.creationTimestamp}"}).out;
  // kubectl's GenericDescriber: every field by name, labelled as smartLabelFor labels them.
  CHECK(r.out == "Name:         leader\n"
                 "Namespace:    default\n"
                 "Labels:       app=x\n"
                 "Annotations:  <none>\n"
                 "API Version:  coordination.k8s.io/v1\n"
                 "Kind:         Lease\n"
                 "Metadata:\n"
                 "  Creation Timestamp:  " + created + "\n"
                 "  Resource Version:    " + version + "\n"
                 "  UID:                 " + uid + "\n"
                 "Spec:\n"
                 "  Holder Identity:         worker-1\n"
                 "  Lease Duration Seconds:  15\n"
                 "Events:                    <none>\n");
}
