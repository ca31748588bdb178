// Defaults and validation for the kinds beyond Pod, Deployment and Service: a table of bad
// manifests with the field each must name, and the defaults Kubernetes fills in.

#include "runtime/object/kinds.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "actors/apiserver/admission.hpp"
#include "actors/apiserver/bootstrap_rbac.hpp"
#include "runtime/base/error.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/object.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/core.capnp.h"
#include "schema/rbac.capnp.h"
#include "schema/scheduling.capnp.h"

using namespace troupe;

namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();  // NOLINT: immutable test data
  return registry;
}

admission_context fixed_context() {
  admission_context ctx;
  ctx.now_seconds = 1700000000;
  ctx.new_uid = [] { return std::string("uid-1"); };
  ctx.random_suffix = [](size_t n) { return std::string(n, 'x'); };
  return ctx;
}

std::string admit(const std::string& yaml, const admission_context& ctx = fixed_context()) {
  auto docs = codec::decode_manifests(yaml, "test.yaml", kinds());
  REQUIRE(docs.size() == 1);
  return admit_create(*docs[0].kind, docs[0].bytes, "", ctx);
}

std::vector<std::string> failing_fields(const std::string& yaml) {
  try {
    admit(yaml);
  } catch (const api_error& e) {
    std::vector<std::string> paths;
    for (auto& c : e.causes()) paths.push_back(c.path + ": " + c.message);
    return paths;
  }
  return {};
}

const char* pod_template = R"(
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: busybox}]})";

std::string workload(const char* kind, const char* extra, const char* selector = "{matchLabels: {app: a}}") {
  return std::string("apiVersion: apps/v1\nkind: ") + kind + "\nmetadata: {name: w}\nspec:\n  selector: " +
         selector + "\n" + extra + pod_template + "\n";
}

std::string pod_spec(const std::string& spec) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  " + spec + "\n";
}

}  // namespace

TEST_CASE("each kind names the field that is wrong", "[apiserver][admission][kinds]") {
  struct row {
    std::string manifest;
    std::string cause;
  };
  auto r = GENERATE(values<row>({
      {workload("ReplicaSet", "  replicas: -1"),
       "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
      // Both of Kubernetes' errors for a negative deadline.
      {workload("Deployment", "  progressDeadlineSeconds: -1"),
       "spec.progressDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0"},
      {workload("Deployment", "  progressDeadlineSeconds: -1"),
       "spec.progressDeadlineSeconds: Invalid value: -1: must be greater than minReadySeconds"},
      {pod_spec("terminationGracePeriodSeconds: -5\n  containers: [{name: c, image: b}]"),
       "spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0"},
      {workload("ReplicaSet", "", "{matchLabels: {app: b}}"),
       "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"a\"}: `selector` "
       "does not match "
       "template `labels`"},
      {workload("DaemonSet", "", "{}"), "spec.selector: Required value"},
      {workload("StatefulSet", "  volumeClaimTemplates: [{metadata: {name: data}, spec: {}}]"),
       "spec.volumeClaimTemplates[0].spec.accessModes: Required value"},
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  backoffLimit: -2\n  "
       "template:\n"
       "    spec: {containers: [{name: c, image: b}]}\n",
       "spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0"},
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
       "    spec: {containers: [{name: c, image: b}]}\n",
       "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '61 * * * *'\n"
       "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, "
       "image: b}]}}}}\n",
       "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: 'CRON_TZ=UTC "
       "0 * * * *'\n"
       "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, "
       "image: b}]}}}}\n",
       "spec.schedule: Invalid value: \"CRON_TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in "
       "schedule, use "
       "timeZone field instead"},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@every 1d'\n"
       "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, "
       "image: b}]}}}}\n",
       "spec.schedule: Invalid value: \"@every 1d\": failed to parse duration @every 1d: time: "
       "unknown unit "
       "\"d\" in duration \"1d\""},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {'bad/key': x}\n",
       "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric "
       "characters, '-', '_' or '.' "
       "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
       "'[-._a-zA-Z0-9]+')"},
      {"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: "
       "[ReadWriteOnce]}\n",
       "spec.resources[storage]: Required value"},
      {"apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {accessModes: "
       "[ReadWriteOnce], "
       "hostPath: {path: /x}}\n",
       "spec.capacity: Required value"},
      {"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - "
       "http:\n"
       "      paths: [{path: x, pathType: Prefix, backend: {service: {name: web, port: {number: "
       "80}}}}]\n",
       "spec.rules[0].http.paths[0].path: Invalid value: \"x\": must be an absolute path"},
      {"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - "
       "http:\n"
       "      paths: [{path: /, pathType: Prefix, backend: {service: {name: web}}}]\n",
       "spec.rules[0].http.paths[0].backend: Required value: port name or number is required"},
      {"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules: "
       "[{apiGroups: [''], "
       "resources: [pods]}]\n",
       "rules[0].verbs: Required value: verbs must contain at least one value"},
      {"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
       "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
       "subjects: [{kind: ServiceAccount, name: sa}]\n",
       "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\""},
      {"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
       "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\n"
       "subjects: [{kind: ServiceAccount, name: sa}]\n",
       "subjects[0].namespace: Required value"},
      {"apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {taints: [{key: dedicated}]}\n",
       "spec.taints[0].effect: Required value"},
      {"apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {taints: [{key: a, value: b, "
       "effect: NoSchedule}, "
       "{key: a, value: c, effect: NoExecute}, {key: a, value: d, effect: NoSchedule}]}\n",
       "spec.taints[2]: Duplicate value: core.Taint{Key:\"a\", Value:\"d\", Effect:\"NoSchedule\", "
       "TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair"},
      {"apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {taints: [{key: a, value: 'b c', "
       "effect: NoSchedule}]}\n",
       "spec.taints[0].value: Invalid value: \"b c\": a valid label must be an empty string or "
       "consist of "
       "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
       "character "
       "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
       "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
      {pod_spec("containers: [{name: c, image: i, resources: {requests: {cpu: '2'}, limits: {cpu: "
                "'1'}}}]"),
       "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to "
       "cpu limit of 1"},
      {pod_spec("containers: [{name: c, image: i, resources: {requests: {cpux: '2'}}}]"),
       "spec.containers[0].resources.requests[cpux]: Invalid value: \"cpux\": must be a standard "
       "resource for containers"},
      {pod_spec("containers: [{name: c, image: i, resources: {requests: {cpux: '2'}}}]"),
       "spec.containers[0].resources.requests[cpux]: Invalid value: \"cpux\": must be a standard "
       "resource type or fully qualified"},
      {pod_spec("containers: [{name: c, image: i, resources: {limits: {pods: '2'}}}]"),
       "spec.containers[0].resources.limits[pods]: Invalid value: \"pods\": must be a standard "
       "resource for containers"},
      {pod_spec("containers: [{name: c, image: i, resources: {limits: {memory: '-1Mi'}}}]"),
       "spec.containers[0].resources.limits[memory]: Invalid value: \"-1Mi\": must be greater than "
       "or "
       "equal to 0"},
      {pod_spec(
           "containers: [{name: c, image: i, resources: {requests: {example.com/dongle: '1'}}}]"),
       "spec.containers[0].resources.limits: Required value: Limit must be set for non "
       "overcommitable resources"},
      {pod_spec("containers: [{name: c, image: i, resources: {requests: {example.com/dongle: '1'}, "
                "limits: {example.com/dongle: '2'}}}]"),
       "spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to "
       "example.com/dongle limit of 2"},
      {pod_spec(
           "containers: [{name: c, image: i, resources: {limits: {example.com/dongle: 500m}}}]"),
       "spec.containers[0].resources.limits[example.com/dongle]: Invalid value: \"500m\": must be "
       "an "
       "integer"},
      {pod_spec(
           "containers: [{name: c, image: i, resources: {limits: {requests.example.com/x: '1'}}}]"),
       "spec.containers[0].resources.limits[requests.example.com/x]: Invalid value: "
       "\"requests.example.com/x\": doesn't follow extended resource name standard"},
      {pod_spec("containers: [{name: c, image: i, volumeMounts: [{name: nov, mountPath: /a}]}]"),
       "spec.containers[0].volumeMounts[0].name: Not found: \"nov\""},
      {pod_spec("volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n  containers: "
                "[{name: c, image: i}]"),
       "spec.volumes[1].name: Duplicate value: \"v\""},
      {pod_spec(
           "volumes: [{name: v, emptyDir: {}}]\n  containers: [{name: c, image: i, volumeMounts: "
           "[{name: v, mountPath: /a}, {name: v, mountPath: /a}]}]"),
       "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique"},
      {pod_spec("containers: [{name: c, image: i, env: [{name: E, valueFrom: {configMapKeyRef: "
                "{name: a, key: b}, "
                "secretKeyRef: {name: a, key: b}}}]}]"),
       "spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not have more than one field "
       "specified at a time"},
      {pod_spec("containers: [{name: c, image: i, env: [{name: E, valueFrom: {secretKeyRef: {key: "
                "b}}}]}]"),
       "spec.containers[0].env[0].valueFrom.secretKeyRef.name: Invalid value: \"\": a lowercase "
       "RFC 1123 "
       "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
       "and end "
       "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
      {pod_spec("containers: [{name: c, image: i, envFrom: [{prefix: '1_', configMapRef: {name: "
                "cm}}]}]"),
       "spec.containers[0].envFrom[0].prefix: Invalid value: \"1_\": a valid environment variable "
       "name must "
       "consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a "
       "digit (e.g. "
       "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
       "'[-._a-zA-Z][-._a-zA-Z0-9]*')"},
      {pod_spec("containers: [{name: c, image: i, envFrom: [{prefix: P_}]}]"),
       "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or "
       "`secretRef`"},
      {pod_spec("containers: [{name: c, image: i, envFrom: [{configMapRef: {name: a}, secretRef: "
                "{name: a}}]}]"),
       "spec.containers[0].envFrom[0]: Forbidden: may not have more than one field specified at a "
       "time"},
      {pod_spec("containers: [{name: c, image: i, envFrom: [{secretRef: {}}]}]"),
       "spec.containers[0].envFrom[0].secretRef.name: Required value"},
      {workload("Deployment", "  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}"),
       "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, "
       "IntVal:0, StrVal:\"\"}: "
       "may not be 0 when `maxSurge` "
       "is 0"},
      {workload("Deployment", "  strategy: {rollingUpdate: {maxUnavailable: 120%}}"),
       "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, "
       "IntVal:0, StrVal:\"120%\"}: must not be greater "
       "than 100%"},
      {workload("Deployment", "  minReadySeconds: 700"),
       "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"},
      {workload("Deployment", "  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}"),
       "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
       "'Recreate'"},
      {workload("DaemonSet", "  updateStrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}"),
       "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when "
       "maxSurge is 0"},
      {workload("StatefulSet", "  updateStrategy: {type: OnDelete, rollingUpdate: {partition: 2}}"),
       "spec.updateStrategy.rollingUpdate: Invalid value: only allowed for updateStrategy "
       "'RollingUpdate'"},
      // a template's labels and annotations are checked as a pod's
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  selector: "
       "{matchLabels: "
       "{app: a}}\n  template:\n    metadata: {labels: {app: a, tier: 'bad value!'}, annotations: "
       "{'bad key!': x}}\n    spec: {containers: [{name: c, image: b}]}\n",
       "spec.template.labels: Invalid value: \"bad value!\": a valid label must be an "
       "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
       "end "
       "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
       "for "
       "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
      // a Job's name becomes its pods' job-name label, at most 63 characters
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: " + std::string(70, 'a') +
           "}\nspec:\n  template: {spec: {restartPolicy: Never, containers: [{name: c, image: "
           "b}]}}\n",
       "spec.template.labels: Invalid value: \"" + std::string(70, 'a') +
           "\": must be no more than 63 characters"},
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  selector: {matchLabels: "
       "{app: "
       "x}}\n  template: {metadata: {labels: {app: x}}, spec: {restartPolicy: Never, containers: "
       "[{name: c, image: b}]}}\n",
       "spec.selector: Invalid value: \"app=x\": `selector` not auto-generated"},
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  completionMode: Indexed\n  "
       "parallelism: 2\n  template: {spec: {restartPolicy: Never, containers: [{name: c, image: "
       "b}]}}\n",
       "spec.completions: Required value: when completion mode is Indexed"},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: " + std::string(53, 'c') +
           "}\nspec:\n  schedule: '* * * * *'\n  jobTemplate: {spec: {template: {spec: "
           "{restartPolicy: Never, containers: [{name: c, image: b}]}}}}\n",
       "metadata.name: Invalid value: \"" + std::string(53, 'c') +
           "\": must be no more than 52 characters"},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n "
       " "
       "timeZone: Mars/Olympus\n  startingDeadlineSeconds: -3\n  jobTemplate: {spec: {template: "
       "{spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}}}\n",
       "spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"},
      {"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n "
       " "
       "startingDeadlineSeconds: -3\n  jobTemplate: {spec: {template: {spec: {restartPolicy: "
       "Never, containers: [{name: c, image: b}]}}}}\n",
       "spec.startingDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0"},
      // pod specs
      {pod_spec("dnsPolicy: None\n  containers: [{name: c, image: b}]"),
       "spec.dnsConfig: Required value: must provide at least one DNS nameserver when DNS policy "
       "is None"},
      {pod_spec("activeDeadlineSeconds: -5\n  containers: [{name: c, image: b}]"),
       "spec.activeDeadlineSeconds: Invalid value: -5: must be between 1 and 2147483647, "
       "inclusive"},
      {pod_spec("initContainers: [{name: c, image: b}]\n  containers: [{name: c, image: b}]"),
       "spec.containers[0].name: Duplicate value: \"c\""},
      {pod_spec("containers: [{name: c, image: b, ports: [{name: http, containerPort: 80}, {name: "
                "http, containerPort: 81}]}]"),
       "spec.containers[0].ports[1].name: Duplicate value: \"http\""},
      // A container's restartPolicy: Always on an init container (a sidecar), nothing else.
      {pod_spec("containers: [{name: c, image: b, restartPolicy: Always}]"),
       "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"},
      {pod_spec("initContainers: [{name: i, image: b, restartPolicy: Never}]\n  containers: "
                "[{name: c, image: b}]"),
       "spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: "
       "\"Always\""},
      {pod_spec("initContainers: [{name: i, image: b, readinessProbe: {exec: {command: [x]}}}]\n"
                "  containers: [{name: c, image: b}]"),
       "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers "
       "without "
       "restartPolicy=Always"},
      {pod_spec(
           "initContainers: [{name: i, image: b, lifecycle: {preStop: {exec: {command: [x]}}}}]\n"
           "  containers: [{name: c, image: b}]"),
       "spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without "
       "restartPolicy=Always"},
      {pod_spec("containers: [{name: c, image: b, livenessProbe: {periodSeconds: -1}}]"),
       "spec.containers[0].livenessProbe: Required value: must specify a handler type"},
      {pod_spec("containers: [{name: c, image: b, livenessProbe: {periodSeconds: -1, exec: "
                "{command: [x]}}}]"),
       "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or "
       "equal to 0"},
      {pod_spec("containers: [{name: c, image: b, env: [{name: X, valueFrom: {fieldRef: "
                "{fieldPath: spec.bogus}}}]}]"),
       "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "
       "\"spec.bogus\": supported values: \"metadata.name\", \"metadata.namespace\", "
       "\"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", "
       "\"status.hostIPs\", \"status.podIP\", \"status.podIPs\""},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ntype: "
       "kubernetes.io/service-account-token\n",
       "metadata.annotations[kubernetes.io/service-account.name]: Required value"},
      {"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: "
       "not-an-ip}]}]\n",
       "subsets[0].addresses[0].ip: Invalid value: \"not-an-ip\": must be a valid IP address, "
       "(e.g. 10.9.8.7 or "
       "2001:db8::ffff)"},
      {"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: "
       "127.0.0.5}], ports: "
       "[{port: 0}, {port: 80}]}]\n",
       "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
      {"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: "
       "127.0.0.5}], ports: "
       "[{port: 81}, {port: 80}]}]\n",
       "subsets[0].ports[1].name: Required value"},
      {"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{ports: [{port: 80}]}]\n",
       "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"},
      {pod_spec("containers: [{name: c, image: b, env: [{name: X, valueFrom: {resourceFieldRef: "
                "{resource: limits.foo}}}]}]"),
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "
       "\"limits.foo\": "
       "supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", "
       "\"requests.cpu\", "
       "\"requests.ephemeral-storage\", \"requests.memory\""},
      {pod_spec("volumes: [{name: w, configMap: {name: c, items: [{key: k, path: ../escape}]}}]\n  "
                "containers: "
                "[{name: c, image: b}]"),
       "spec.volumes[0].configMap.items[0].path: Invalid value: \"../escape\": must not contain "
       "'..'"},
      {pod_spec("volumes: [{name: w, secret: {secretName: s, items: [{key: k, path: /abs}]}}]\n  "
                "containers: "
                "[{name: c, image: b}]"),
       "spec.volumes[0].secret.items[0].path: Invalid value: \"/abs\": must be a relative path"},
      {pod_spec("volumes: [{name: w, configMap: {name: c, defaultMode: 01000}}]\n  containers: "
                "[{name: c, image: b}]"),
       "spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and "
       "0777 (octal), both "
       "inclusive"},
      {pod_spec("containers: [{name: c, image: b, env: [{name: X, valueFrom: {resourceFieldRef: "
                "{resource: limits.cpu, divisor: 100m}}}]}]"),
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "
       "\"limits.cpu\": only "
       "divisor's values 1m and 1 are supported with the cpu resource"},
      {pod_spec("containers: [{name: c, image: b, env: [{name: X, valueFrom: {resourceFieldRef: "
                "{resource: requests.memory, divisor: 1m}}}]}]"),
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "
       "\"requests.memory\": only "
       "divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported "
       "with the memory "
       "resource"},
      // Services; label maps outside metadata are labels too.
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {externalTrafficPolicy: Local, "
       "ports: [{port: 80}]}\n",
       "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for "
       "externally-accessible services"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, "
       "healthCheckNodePort: 30100, "
       "ports: [{port: 80}]}\n",
       "spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is "
       "'LoadBalancer' and "
       "`externalTrafficPolicy` is 'Local'"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {allocateLoadBalancerNodePorts: "
       "false, "
       "ports: [{port: 80}]}\n",
       "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is "
       "'LoadBalancer'"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {loadBalancerSourceRanges: "
       "[10.0.0.0/8], "
       "ports: [{port: 80}]}\n",
       "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, "
       "loadBalancerSourceRanges: "
       "[' 10.0.0.1/8 ', 'fd00::/8', foo], ports: [{port: 80}]}\n",
       "spec.LoadBalancerSourceRanges[2]: Invalid value: \"foo\": must be a valid CIDR value, "
       "(e.g. 10.9.8.0/24 or "
       "2001:db8::/64)"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {externalIPs: [not-an-ip, "
       "0.0.0.0], ports: [{port: 80}]}\n",
       "spec.externalIPs[0]: Invalid value: \"not-an-ip\": must be a valid IP address, (e.g. "
       "10.9.8.7 or 2001:db8::ffff)"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {externalIPs: [not-an-ip, "
       "0.0.0.0], ports: [{port: 80}]}\n",
       "spec.externalIPs[1]: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)"},
      {"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: "
       "169.254.1.2}]}]\n",
       "subsets[0].addresses[0].ip: Invalid value: \"169.254.1.2\": may not be in the link-local "
       "range (169.254.0.0/16, "
       "fe80::/10)"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ipFamilyPolicy: SingleStack, "
       "ipFamilies: [IPv4, IPv4], "
       "ports: [{port: 80}]}\n",
       "spec.ipFamilies[1]: Duplicate value: \"IPv4\""},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {sessionAffinity: ClientIP, "
       "sessionAffinityConfig: {clientIP: {timeoutSeconds: 90000}}, ports: [{port: 80}]}\n",
       "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater "
       "than 0 and less "
       "than 86400"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, appProtocol: "
       "'bad proto'}]}\n",
       "spec.ports[0].appProtocol: Invalid value: \"bad proto\": name part must consist of "
       "alphanumeric characters, "
       "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
       "'my.name',  or "
       "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ipFamilies: [IPv6], ports: "
       "[{port: 80}]}\n",
       "spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ipFamilyPolicy: "
       "RequireDualStack, ports: "
       "[{port: 80}]}\n",
       "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured "
       "for dual-stack "
       "services"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 127.16.0.50, "
       "clusterIPs: "
       "[127.16.0.51], ports: [{port: 80}]}\n",
       "spec.clusterIPs: Invalid value: []string{\"127.16.0.51\"}: first value must match "
       "`clusterIP`"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: 'bad value!'}, "
       "ports: [{port: "
       "80}]}\n",
       "spec.selector: Invalid value: \"bad value!\": a valid label must be an empty string or "
       "consist of "
       "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
       "character (e.g. "
       "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
       "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
      {pod_spec("nodeSelector: {'bad key!': x}\n  containers: [{name: c, image: b}]"),
       "spec.nodeSelector: Invalid value: \"bad key!\": name part must consist of alphanumeric "
       "characters, '-', "
       "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
       "'my.name',  or "
       "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName}\n",
       "spec.externalName: Required value"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{name: Http_X, port: "
       "80}]}\n",
       "spec.ports[0].name: Invalid value: \"Http_X\": a lowercase RFC 1123 label must consist of "
       "lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
       "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{name: a, port: 80}, "
       "{name: b, port: 80}]}\n",
       "spec.ports[1]: Duplicate value: \"80/TCP\""},
      // ConfigMaps and Secrets
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: x}\nbinaryData: {k: "
       "eA==}\n",
       "data[k]: Invalid value: \"k\": duplicate of key present in binaryData"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: " +
           std::string(1024 * 1024 + 1, 'x') + "}\n",
       "data: Too long: must have at most 1048576 bytes"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: "
       "{tls.crt: x}\n",
       "data[tls.key]: Required value"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\n"
       "stringData: {.dockerconfigjson: not json}\n",
       "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": must be a JSON "
       "object"},
      // metadata
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: ['foo bar']}\n",
       "metadata.finalizers[0]: Invalid value: \"foo bar\": name part must consist of alphanumeric "
       "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
       "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
       "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: Gen_}\n",
       "metadata.generateName: Invalid value: \"Gen_\": a lowercase RFC 1123 subdomain must "
       "consist of "
       "lower case alphanumeric characters, '-' or '.', and must start and end with an "
       "alphanumeric character (e.g. 'example.com', regex used for validation is "
       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n",
       "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of "
       "lower case alphanumeric characters, '-' or '.', and must start and end with an "
       "alphanumeric character (e.g. 'example.com', regex used for validation is "
       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
  }));
  CAPTURE(r.manifest);
  CHECK_THAT(failing_fields(r.manifest), Catch::VectorContains(r.cause));
}

TEST_CASE("a sidecar may have probes and hooks", "[apiserver][admission][kinds]") {
  CHECK(failing_fields(pod_spec("initContainers: [{name: i, image: b, restartPolicy: Always, "
                                "startupProbe: {exec: {command: [x]}}, readinessProbe: {exec: {command: [x]}}, "
                                "lifecycle: {preStop: {exec: {command: [x]}}}}]\n  containers: [{name: c, image: b}]"))
            .empty());
}

TEST_CASE("workload defaults follow Kubernetes", "[apiserver][admission][kinds]") {
  {
    auto r_bytes = admit(workload("ReplicaSet", ""));
  object_reader r(r_bytes);
    CHECK(r.as<k8s::ReplicaSet>().getSpec().getReplicas().getValue() == 1);
  }
  {
    auto r_bytes = admit(workload("DaemonSet", ""));
  object_reader r(r_bytes);
    auto strategy = r.as<k8s::DaemonSet>().getSpec().getUpdateStrategy();
    CHECK(strategy.getType() == k8s::DaemonSetUpdateStrategyType::ROLLING_UPDATE);
    CHECK(strategy.getRollingUpdate().getMaxUnavailable().getInt() == 1);
    CHECK(r.as<k8s::DaemonSet>().getSpec().getRevisionHistoryLimit().getValue() == 10);
  }
  {
    auto r_bytes = admit(workload("StatefulSet", "  serviceName: w"));
  object_reader r(r_bytes);
    auto spec = r.as<k8s::StatefulSet>().getSpec();
    CHECK(spec.getPodManagementPolicy() == k8s::PodManagementPolicy::ORDERED_READY);
    CHECK(spec.getUpdateStrategy().getRollingUpdate().getPartition().getValue() == 0);
    CHECK(spec.getPersistentVolumeClaimRetentionPolicy().getWhenDeleted() ==
          k8s::PvcRetentionPolicyType::RETAIN);
    CHECK(spec.getTemplate().getSpec().getContainers()[0].hasResources());  // resources: {}
  }
  {
    auto r_bytes =
        admit(workload("StatefulSet",
                       "  serviceName: w\n  volumeClaimTemplates: [{metadata: {name: data}, spec: "
                       "{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]"));
    object_reader r(r_bytes);
    auto claim = r.as<k8s::StatefulSet>().getSpec().getVolumeClaimTemplates()[0];
    CHECK(text_string(claim.getApiVersion()) == "v1");
    CHECK(text_string(claim.getKind()) == "PersistentVolumeClaim");
    CHECK(claim.getSpec().getVolumeMode() == k8s::VolumeMode::FILESYSTEM);
    CHECK(claim.getStatus().getPhase() == k8s::ClaimPhase::PENDING);
  }
  {
    auto r_bytes = admit(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n"
        "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, "
        "image: b}]}}}}\n");
    object_reader r(r_bytes);
    auto job_template = r.as<k8s::CronJob>().getSpec().getJobTemplate();
    CHECK(job_template.hasMetadata());
    CHECK(job_template.getSpec().getTemplate().hasMetadata());
  }
  {
    auto r_bytes =
        admit("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {podCIDR: 10.1.0.0/24}\n");
    object_reader r(r_bytes);
    auto cidrs = r.as<k8s::Node>().getSpec().getPodCIDRs();
    REQUIRE(cidrs.size() == 1);
    CHECK(text_string(cidrs[0]) == "10.1.0.0/24");
  }
}

TEST_CASE("a new object's status is serialised as Kubernetes' with the fields it never omits",
          "[apiserver][admission][kinds]") {
  auto status_of = [](const std::string& yaml) {
    auto docs = codec::decode_manifests(yaml, "test.yaml", kinds());
    auto bytes = admit_create(*docs[0].kind, docs[0].bytes, "", fixed_context());
    codec::node tree = codec::encode_object(bytes, *docs[0].kind);
    const codec::node* status = tree.find("status");
    return status ? codec::to_json(*status) : std::string("absent");
  };
  CHECK(status_of(workload("ReplicaSet", "")) == "{\"replicas\":0}");
  CHECK(status_of(workload("StatefulSet", "  serviceName: w")) ==
        "{\"replicas\":0,\"availableReplicas\":0}");
  CHECK(status_of(workload("DaemonSet", "")) ==
        "{\"currentNumberScheduled\":0,\"numberMisscheduled\":0,\"desiredNumberScheduled\":0,"
        "\"numberReady\":0}");
  CHECK(status_of(workload("Deployment", "")) == "{}");
  CHECK(status_of(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n") ==
        "{\"loadBalancer\":{}}");
  CHECK(status_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n") == "absent");
}

TEST_CASE("a Job gets a selector of its own uid and labelled pods", "[apiserver][admission][kinds]") {
  auto r_bytes = admit("apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  template:\n"
                        "    metadata: {labels: {app: pi}}\n"
                        "    spec: {restartPolicy: Never, containers: [{name: c, image: b}]}\n");
  object_reader r(r_bytes);
  auto spec = r.as<k8s::Job>().getSpec();
  CHECK(spec.getCompletions().getValue() == 1);
  CHECK(spec.getParallelism().getValue() == 1);
  CHECK(spec.getBackoffLimit().getValue() == 6);
  CHECK(spec.getCompletionMode() == k8s::CompletionMode::NON_INDEXED);
  CHECK(map_get(spec.getSelector().getMatchLabels(), "batch.kubernetes.io/controller-uid") == "uid-1");
  auto labels = spec.getTemplate().getMetadata().getLabels();
  CHECK(map_get(labels, "app") == "pi");
  CHECK(map_get(labels, "job-name") == "pi");
  CHECK(map_get(labels, "batch.kubernetes.io/controller-uid") == "uid-1");
  // A Job without labels of its own carries its pods'.
  CHECK(map_get(r.as<k8s::Job>().getMetadata().getLabels(), "job-name") == "pi");
  CHECK(map_get(r.as<k8s::Job>().getMetadata().getLabels(), "app") == "pi");

  // Kubernetes' cron library takes @every too.
  CHECK_NOTHROW(admit("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: e}\nspec:\n  schedule: '@every 90m'\n"
                      "  jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, "
                      "containers: [{name: c, image: b}]}}}}\n"));
  auto cj_bytes = admit("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@daily'\n"
                         "  jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, "
                         "containers: [{name: c, image: b}]}}}}\n");
  object_reader cj(cj_bytes);
  auto cspec = cj.as<k8s::CronJob>().getSpec();
  CHECK(cspec.getConcurrencyPolicy() == k8s::ConcurrencyPolicy::ALLOW);
  CHECK(cspec.getSuccessfulJobsHistoryLimit().getValue() == 3);
  CHECK(cspec.getFailedJobsHistoryLimit().getValue() == 1);
  CHECK_FALSE(cspec.getJobTemplate().getSpec().hasSelector());  // its Jobs get their own
}

TEST_CASE("Secret stringData is merged into data and not stored", "[apiserver][admission][kinds]") {
  auto r_bytes = admit("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                        "data: {a: b2xk, keep: eA==}\nstringData: {a: new, b: two}\n");
  object_reader r(r_bytes);
  auto secret = r.as<k8s::Secret>();
  CHECK(text_string(secret.getType()) == "Opaque");
  CHECK_FALSE(secret.hasStringData());
  std::map<std::string, std::string> data;
  for (auto e : secret.getData())
    data[text_string(e.getKey())] =
        std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
  CHECK(data == std::map<std::string, std::string>{{"a", "new"}, {"b", "two"}, {"keep", "x"}});
}

TEST_CASE("deletion plans: grace for pods on nodes finalizers hold", "[apiserver][admission][deletion]") {
  auto& pods = *kinds().find_by_resource("pods");
  auto& cms = *kinds().find_by_resource("configmaps");
  auto bound = admit("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: n, containers: [{name: c, image: i}]}\n");
  auto unbound = admit("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n");
  auto held = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [x/y]}\n");
  auto plain = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  using action = deletion_plan::action;

  auto graceful = plan_deletion(pods, bound, -1, 1000);
  REQUIRE(graceful.what == action::mark);
  object_reader g(graceful.object);
  CHECK(g.meta().getDeletionTimestamp() == 1030);  // the default 30 s
  CHECK(g.meta().getDeletionGracePeriodSeconds().getValue() == 30);
  CHECK_FALSE(deletion_due(pods, graceful.object));
  CHECK(plan_deletion(pods, graceful.object, -1, 1001).what == action::already_marked);
  auto shorter = plan_deletion(pods, graceful.object, 5, 1001);
  REQUIRE(shorter.what == action::mark);
  object_reader s(shorter.object);
  CHECK(s.meta().getDeletionTimestamp() == 1005);  // counted from when the deletion began
  CHECK(s.meta().getDeletionGracePeriodSeconds().getValue() == 5);
  // A pending grace is only shortened: a policy alone does not touch the finalizers.
  CHECK(plan_deletion(pods, graceful.object, -1, 1001, propagation::orphan).what == action::already_marked);
  CHECK(plan_deletion(pods, graceful.object, 0, 1002).what == action::remove_now);
  CHECK(plan_deletion(pods, bound, 0, 1000).what == action::remove_now);
  CHECK(plan_deletion(pods, unbound, -1, 1000).what == action::remove_now);

  auto marked = plan_deletion(cms, held, -1, 1000);
  REQUIRE(marked.what == action::mark);
  object_reader m(marked.object);
  CHECK(m.meta().getDeletionTimestamp() == 1000);
  CHECK_FALSE(deletion_due(cms, marked.object));  // still held
  CHECK(plan_deletion(cms, plain, -1, 1000).what == action::remove_now);
  CHECK_FALSE(deletion_due(cms, plain));  // not marked

  // A second delete: its propagation policy replaces the first one's finalizer, and one
  // that leaves nothing to wait for deletes at once.
  auto orphaning = plan_deletion(cms, plain, -1, 1000, propagation::orphan);
  REQUIRE(orphaning.what == action::mark);
  CHECK(plan_deletion(cms, orphaning.object, -1, 1001, propagation::orphan).what == action::already_marked);
  CHECK(plan_deletion(cms, orphaning.object, -1, 1001, propagation::background).what == action::remove_now);
  auto foreground = plan_deletion(cms, orphaning.object, -1, 1001, propagation::foreground);
  REQUIRE(foreground.what == action::mark);
  object_reader fg(foreground.object);
  REQUIRE(fg.meta().getFinalizers().size() == 1);
  CHECK(fg.meta().getFinalizers()[0] == "foregroundDeletion");
  CHECK(fg.meta().getDeletionTimestamp() == 1000);  // still the first delete's time
  auto user_held = plan_deletion(cms, marked.object, -1, 1001, propagation::background);
  CHECK(user_held.what == action::already_marked);  // x/y stays, nothing changes
  // A first delete also replaces a policy finalizer the object already carries.
  auto pre_orphaned = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [orphan, x/y]}\n");
  auto first = plan_deletion(cms, pre_orphaned, -1, 1000, propagation::foreground);
  REQUIRE(first.what == action::mark);
  object_reader f(first.object);
  REQUIRE(f.meta().getFinalizers().size() == 2);
  CHECK(f.meta().getFinalizers()[0] == "x/y");
  CHECK(f.meta().getFinalizers()[1] == "foregroundDeletion");
  auto only_orphan = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [orphan]}\n");
  CHECK(plan_deletion(cms, only_orphan, -1, 1000, propagation::background).what == action::remove_now);
  // No policy asked for: the object's own policy finalizer stays and decides.
  auto unset = plan_deletion(cms, only_orphan, -1, 1000, propagation::unset);
  REQUIRE(unset.what == action::mark);
  object_reader u(unset.object);
  REQUIRE(u.meta().getFinalizers().size() == 1);
  CHECK(u.meta().getFinalizers()[0] == "orphan");
  CHECK(plan_deletion(cms, plain, -1, 1000, propagation::unset).what == action::remove_now);
  // Marking an object that has a generation counts as a change to it, once.
  auto deploy = admit(workload("Deployment", ""));
  auto& deployments = *kinds().find_resource("deploy");
  auto held_deploy = plan_deletion(deployments, deploy, -1, 1000, propagation::foreground);
  REQUIRE(held_deploy.what == action::mark);
  object_reader d(held_deploy.object);
  CHECK(d.meta().getGeneration() == 2);
  CHECK(d.meta().getDeletionGracePeriodSeconds().getValue() == 0);
  CHECK(m.meta().getGeneration() == 0);  // a config map has none
}

namespace {

std::string decoded(const std::string& yaml) {
  auto docs = codec::decode_manifests(yaml, "update.yaml", kinds());
  REQUIRE(docs.size() == 1);
  return docs[0].bytes;
}

// The causes an update of `before` to `after` fails with (none: it was admitted).
std::vector<std::string> update_failures(const std::string& before, const std::string& after) {
  auto docs = codec::decode_manifests(before, "stored.yaml", kinds());
  auto stored = admit(before);
  try {
    admit_update(*docs[0].kind, stored, decoded(after), false);
  } catch (const api_error& e) {
    std::vector<std::string> paths;
    for (auto& c : e.causes()) paths.push_back(c.path + ": " + c.message);
    return paths;
  }
  return {};
}

const char* pod_v1 =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Always\n"
    "  activeDeadlineSeconds: 100\n  containers: [{name: c, image: 'busybox:1', imagePullPolicy: "
    "Always}]\n";

std::string pod_with(const std::string& from, const std::string& to) {
  std::string yaml = pod_v1;
  return yaml.replace(yaml.find(from), from.size(), to);
}

}  // namespace

TEST_CASE("updates may not change what Kubernetes keeps fixed", "[apiserver][admission][kinds]") {
  const std::string forbidden_pod =
      "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
      "additions to existing tolerations)";
  const std::string immutable_data = "Forbidden: field is immutable when `immutable` is set";
  struct row {
    std::string before, after, cause;
  };
  auto r = GENERATE_COPY(values<row>({
      {pod_v1, pod_with("restartPolicy: Always", "restartPolicy: Never"), forbidden_pod},
      {pod_v1,
       pod_with("containers: [", "containers: [{name: d, image: x, imagePullPolicy: Always}, "),
       forbidden_pod},
      {pod_v1, pod_with("activeDeadlineSeconds: 100", "activeDeadlineSeconds: 200"),
       "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous "
       "value"},
      {workload("Deployment", ""),
       workload("Deployment", "", "{matchLabels: {app: a, tier: t}}")
           .replace(workload("Deployment", "", "{matchLabels: {app: a, tier: t}}")
                        .find("labels: {app: a}"),
                    16, "labels: {app: a, tier: t}"),
       "spec.selector: Invalid value: field is immutable"},
      {workload("ReplicaSet", ""),
       workload("ReplicaSet", "", "{matchExpressions: [{key: app, operator: Exists}]}"),
       "spec.selector: Invalid value: field is immutable"},
      {workload("StatefulSet", "  serviceName: a"), workload("StatefulSet", "  serviceName: b"),
       "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
       "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
       "are "
       "forbidden"},
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
       "    spec: {restartPolicy: Never, containers: [{name: c, image: a}]}\n",
       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n"
       "    spec: {restartPolicy: Never, containers: [{name: c, image: b}]}\n",
       "spec.template: Invalid value: field is immutable"},
      // Suspended, only where its pods run may change, not what they run.
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  suspend: true\n  template:\n"
       "    spec: {restartPolicy: Never, containers: [{name: c, image: a}]}\n",
       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  suspend: true\n  template:\n"
       "    spec: {restartPolicy: Never, nodeSelector: {zone: x}, containers: [{name: c, image: b}]}\n",
       "spec.template: Invalid value: field is immutable"},
      {pod_with("  containers:",
                "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]\n  containers:"),
       pod_with("  containers:",
                "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 90}]\n  containers:"),
       "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
       "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
       "additions to existing tolerations)"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '1'}\n",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '2'}\n",
       "data: " + immutable_data},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '1'}\n",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n",
       "immutable: " + immutable_data},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: '1'}\n",
       "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: "
       "{a: '1'}\n",
       "type: Invalid value: \"kubernetes.io/tls\": field is immutable"},
      {"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: "
       "[ReadWriteOnce], "
       "resources: {requests: {storage: 1Gi}}}\n",
       "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: "
       "[ReadWriteMany], "
       "resources: {requests: {storage: 1Gi}}}\n",
       "spec: Forbidden: spec is immutable after creation except resources.requests for bound "
       "claims"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.5, ports: "
       "[{port: 80}]}\n",
       "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.6, ports: "
       "[{port: 80}]}\n",
       "spec.clusterIP: Invalid value: \"10.0.0.6\": field is immutable"},
      {"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n"
       "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: "
       "User, name: u}]\n",
       "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n"
       "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: other}\nsubjects: [{kind: "
       "User, name: u}]\n",
       "roleRef: Invalid value: cannot change roleRef"},
  }));
  CAPTURE(r.before, r.after);
  CHECK_THAT(update_failures(r.before, r.after), Catch::VectorContains(r.cause));
}

TEST_CASE("updates Kubernetes allows pass", "[apiserver][admission][kinds]") {
  struct row {
    std::string before, after;
  };
  auto r = GENERATE_COPY(values<row>({
      {pod_v1, pod_with("busybox:1", "busybox:2")},
      {pod_v1, pod_with("activeDeadlineSeconds: 100", "activeDeadlineSeconds: 50")},
      {pod_v1,
       pod_with("  containers:", "  tolerations: [{key: k, operator: Exists}]\n  containers:")},
      {pod_v1, pod_with("metadata: {name: p}", "metadata: {name: p, labels: {x: y}}")},
      {workload("StatefulSet", "  serviceName: a"),
       workload("StatefulSet", "  serviceName: a\n  replicas: 5")},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '2'}\n"},
      // Back from ClientIP to None with the old settings still in the object: they go.
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {sessionAffinity: ClientIP, ports: [{port: 80}]}\n",
       "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {sessionAffinity: None, sessionAffinityConfig: "
       "{clientIP: {timeoutSeconds: 10800}}, ports: [{port: 80}]}\n"},
      // A replace that leaves out the allocated address keeps it.
      {"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.5, ports: "
       "[{port: 80}]}\n",
       "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 81}]}\n"},
      // A toleration's seconds may be set, or shortened.
      {pod_with("  containers:", "  tolerations: [{key: k, operator: Exists, effect: NoExecute}]\n  containers:"),
       pod_with("  containers:",
                "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]\n  containers:")},
      {pod_with("  containers:",
                "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]\n  containers:"),
       pod_with("  containers:",
                "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]\n  containers:")},
      // A suspended Job that never started may change where its pods will run.
      {"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  suspend: true\n  template:\n"
       "    spec: {restartPolicy: Never, containers: [{name: c, image: a}]}\n",
       "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  suspend: true\n  template:\n"
       "    metadata: {annotations: {a: b}}\n"
       "    spec: {restartPolicy: Never, nodeSelector: {zone: x}, containers: [{name: c, image: a}]}\n"},
  }));
  CAPTURE(r.before, r.after);
  CHECK(update_failures(r.before, r.after).empty());
}

namespace {

std::string gated_pod(const std::string& extra,
                      const std::string& gates = "[{name: example.com/quota}]") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  schedulingGates: " + gates +
         "\n" + extra + "  containers: [{name: c, image: busybox}]\n";
}

std::string required_terms(const std::string& terms) {
  return "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
         "        nodeSelectorTerms: " +
         terms + "\n";
}

}  // namespace

TEST_CASE("an object over Kubernetes' request limit is refused before anything reads it",
          "[apiserver][admission][kinds]") {
  std::string big(8 * 1024 * 1024, 'x');
  try {
    admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + big + "}\n");
    FAIL("an 8 MiB ConfigMap was admitted");
  } catch (const api_error& e) {
    CHECK(e.code() == api_errc::request_entity_too_large);
    CHECK(e.message() == "Request entity too large: limit is 8388608");
  }
  try {
    admit_create(*kinds().find("v1", "ConfigMap"), "", "", fixed_context());
    FAIL("nothing was admitted as a ConfigMap");
  } catch (const api_error& e) {
    CHECK(e.code() == api_errc::bad_request);
    CHECK(e.message() == "the request carries no object: a ConfigMap is required");
  }
  // An object stored before these checks (a JSON patch once stored text as it came) still takes
  // updates; a clean one may not gain what the checks refuse.
  auto& config_maps = *kinds().find("v1", "ConfigMap");
  auto clean = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: ok}\n");
  auto with_bad_text = [&](const std::string& bytes) {
    object_reader r(bytes);
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::ConfigMap>());
    m.getRoot<k8s::ConfigMap>().getData()[0].setValue(capnp::Text::Reader("\xff", 1));
    return to_bytes(m);
  };
  auto legacy = with_bad_text(clean);
  CHECK_NOTHROW(admit_update(config_maps, legacy, legacy, false));
  CHECK_THROWS_WITH(admit_update(config_maps, clean, legacy, false),
                    "data[0].value: invalid UTF-8 in a string");
  // Just under it, the kind's own limit speaks.
  CHECK_THAT(failing_fields("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " +
                            big.substr(0, 2 * 1024 * 1024) + "}\n"),
             Catch::VectorContains(std::string("data: Too long: must have at most 1048576 bytes")));
}

TEST_CASE("scheduling gates hold a pod back and may only be removed",
          "[apiserver][admission][kinds]") {
  auto bytes = admit(gated_pod(""));
  object_reader admitted(bytes);
  auto conditions = admitted.as<k8s::Pod>().getStatus().getConditions();
  REQUIRE(conditions.size() == 1);
  CHECK(text_view(conditions[0].getType()) == "PodScheduled");
  CHECK(conditions[0].getStatus() == k8s::ConditionStatus::IS_FALSE);
  CHECK(text_view(conditions[0].getReason()) == "SchedulingGated");
  CHECK(text_view(conditions[0].getMessage()) ==
        "Scheduling is blocked due to non-empty scheduling gates");
  CHECK(conditions[0].getLastTransitionTime() == 0);  // as PrepareForCreate leaves it
  auto ungated = admit(pod_spec("containers: [{name: c, image: busybox}]"));
  CHECK(object_reader(ungated).as<k8s::Pod>().getStatus().getConditions().size() == 0);

  CHECK(failing_fields(gated_pod("", "[{name: g}, {name: ''}, {name: 'a b'}, {name: g}]")) ==
        std::vector<std::string>{
            // Both, as Kubernetes' IsQualifiedName gives them.
            "spec.schedulingGates[1]: Invalid value: \"\": name part must be non-empty",
            "spec.schedulingGates[1]: Invalid value: \"\": name part must consist of alphanumeric "
            "characters, "
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.schedulingGates[2]: Invalid value: \"a b\": name part must consist of "
            "alphanumeric characters, "
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.schedulingGates[3]: Duplicate value: \"g\""});
  CHECK(failing_fields(gated_pod("  nodeName: n1\n")) ==
        std::vector<std::string>{
            "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"});
  CHECK(failing_fields(workload("Deployment", "")
                           .replace(workload("Deployment", "").find("spec: {containers"), 7,
                                    "spec: {schedulingGates: [{name: g}, {name: g}], ")) ==
        std::vector<std::string>{"spec.template.spec.schedulingGates[1]: Duplicate value: \"g\""});

  const std::string terms_path =
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
  const std::string a = "{key: a, operator: In, values: [x]}", b = "{key: b, operator: Exists}";
  struct row {
    std::string before, after;
    std::vector<std::string> causes;
  };
  auto r = GENERATE_COPY(values<row>({
      {gated_pod(""),
       gated_pod("", "[{name: example.com/quota}, {name: g2}, {name: g3}]"),
       {"spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new "
        "scheduling gate 'g2'",
        "spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new "
        "scheduling gate 'g3'"}},
      {gated_pod("", "[{name: g1}, {name: g2}]"), gated_pod("", "[{name: g2}]"), {}},
      {gated_pod(""), gated_pod("", "[]"), {}},
      // While gated, where the pod may run can be narrowed, not changed.
      {gated_pod("  nodeSelector: {a: b}\n"), gated_pod("  nodeSelector: {c: d, a: b}\n"), {}},
      {gated_pod("  nodeSelector: {a: b}\n"),
       gated_pod("  nodeSelector: {c: d, a: z}\n"),
       {"spec.nodeSelector: Invalid value: {\"a\":\"z\",\"c\":\"d\"}: only additions to "
        "spec.nodeSelector are "
        "allowed (no mutations or deletions)"}},
      {gated_pod("  nodeSelector: {a: b}\n"),
       gated_pod(""),
       {"spec.nodeSelector: Invalid value: null: only additions to spec.nodeSelector are allowed "
        "(no mutations or "
        "deletions)"}},
      {gated_pod(""), gated_pod(required_terms("[{matchExpressions: [" + a + "]}]")), {}},
      {gated_pod(required_terms("[{matchExpressions: [" + a + "]}]")),
       gated_pod(required_terms("[{matchExpressions: [" + a + ", " + b + "]}]")),
       {}},
      {gated_pod(required_terms("[{matchExpressions: [" + a + "]}]")),
       gated_pod(required_terms("[{matchExpressions: [" + b + "]}]")),
       {terms_path +
        "[0]: Invalid value: "
        "{\"MatchExpressions\":[{\"Key\":\"b\",\"Operator\":\"Exists\",\"Values\":null}],"
        "\"MatchFields\":null}: only additions are allowed (no mutations or deletions)"}},
      {gated_pod(required_terms("[{matchExpressions: [" + a + "]}]")),
       gated_pod(
           required_terms("[{matchExpressions: [" + a + "]}, {matchExpressions: [" + b + "]}]")),
       {terms_path +
        ": Invalid value: "
        "[{\"MatchExpressions\":[{\"Key\":\"a\",\"Operator\":\"In\",\"Values\":[\"x\"]}],"
        "\"MatchFields\":null},{\"MatchExpressions\":[{\"Key\":\"b\",\"Operator\":\"Exists\","
        "\"Values\":null}],"
        "\"MatchFields\":null}]: no additions/deletions to non-empty NodeSelectorTerms list are "
        "allowed"}},
      {gated_pod(required_terms("[{matchExpressions: [" + a + "]}]")),
       gated_pod(""),
       {terms_path + ": Invalid value: null: no additions/deletions to non-empty NodeSelectorTerms "
                     "list are allowed"}},
      // Gates gone, the pod's placement is as fixed as any other pod's.
      {pod_spec("nodeSelector: {a: b}\n  containers: [{name: c, image: busybox}]"),
       pod_spec("nodeSelector: {a: b, c: d}\n  containers: [{name: c, image: busybox}]"),
       {"spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
        "additions to existing tolerations)"}},
      // Narrowing does not open the rest of the spec.
      {gated_pod("  nodeSelector: {a: b}\n"),
       gated_pod("  nodeSelector: {a: b, c: d}\n  hostname: h\n"),
       {"spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
        "additions to existing tolerations)"}},
  }));
  CAPTURE(r.before, r.after);
  CHECK(update_failures(r.before, r.after) == r.causes);

  // The binding subresource refuses a gated pod, as Kubernetes' does.
  CHECK_THROWS_WITH(bind_pod(admit(gated_pod("")), "n1", 1700000000),
                    Catch::Contains("pod p has non-empty .spec.schedulingGates"));
}

TEST_CASE("a replace keeps the Service's address and node ports", "[apiserver][admission][kinds]") {
  auto& services = *kinds().find_by_resource("services");
  auto stored = admit(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, clusterIP: "
      "10.0.0.5, "
      "ports: [{name: http, port: 80, nodePort: 30080}]}\n");
  auto updated = admit_update(
      services, stored,
      decoded("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, "
              "ports: [{name: http, port: 8080}]}\n"),
      false);
  object_reader r(updated);
  auto spec = r.as<k8s::Service>().getSpec();
  CHECK(text_string(spec.getClusterIP()) == "10.0.0.5");
  CHECK(spec.getPorts()[0].getNodePort() == 30080);
}

TEST_CASE("a Service changing type lets go of what only the old type used", "[apiserver][admission][kinds]") {
  auto& services = *kinds().find_by_resource("services");
  auto stored = admit(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, "
      "healthCheckNodePort: 30500, loadBalancerClass: example.com/lb, ports: [{port: 80, nodePort: 30080}]}\n");
  // The stored object as a patch leaves it: every field kept but the type.
  auto as_stored = [&](const std::string& from, const std::string& to) {
    auto yaml = codec::to_yaml(codec::encode_object(stored, services));
    auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    return decoded(yaml.replace(at, from.size(), to));
  };
  auto cluster_ip_bytes = admit_update(services, stored, as_stored("type: LoadBalancer", "type: ClusterIP"), false);
  object_reader cluster_ip(cluster_ip_bytes);
  auto spec = cluster_ip.as<k8s::Service>().getSpec();
  CHECK(spec.getExternalTrafficPolicy() == k8s::TrafficPolicy::UNSPECIFIED);
  CHECK(spec.getHealthCheckNodePort() == 0);
  CHECK(spec.getAllocateLoadBalancerNodePorts().isUnset());
  CHECK_FALSE(spec.hasLoadBalancerClass());
  CHECK(spec.getPorts()[0].getNodePort() == 0);
  auto external_bytes = admit_update(
      services, stored, as_stored("type: LoadBalancer", "externalName: db.example.com\n  type: ExternalName"), false);
  object_reader external(external_bytes);
  CHECK(external.as<k8s::Service>().getSpec().getIpFamilies().size() == 0);
  CHECK(external.as<k8s::Service>().getSpec().getIpFamilyPolicy() == k8s::IpFamilyPolicy::UNSPECIFIED);
  // Local to Cluster: the health check port goes; a replace that leaves it out keeps it.
  auto cluster_bytes =
      admit_update(services, stored, as_stored("externalTrafficPolicy: Local", "externalTrafficPolicy: Cluster"), false);
  object_reader cluster(cluster_bytes);
  CHECK(cluster.as<k8s::Service>().getSpec().getHealthCheckNodePort() == 0);
  auto kept_bytes = admit_update(services, stored, as_stored("  healthCheckNodePort: 30500\n", ""), false);
  object_reader kept(kept_bytes);
  CHECK(kept.as<k8s::Service>().getSpec().getHealthCheckNodePort() == 30500);
}

TEST_CASE("an object being deleted takes no new finalizers", "[apiserver][admission][deletion]") {
  auto& cms = *kinds().find_by_resource("configmaps");
  auto held = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a/b]}\n");
  auto marked = plan_deletion(cms, held, -1, 1000).object;
  CHECK_THROWS_WITH(
      admit_update(
          cms, marked,
          decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a/b, c/d]}\n"),
          false),
      Catch::Contains(
          "metadata.finalizers: Forbidden: no new finalizers can be added if the object "
          "is being deleted, found new finalizers []string{\"c/d\"}"));
  // Removing one is what finishes the deletion.
  auto released = admit_update(
      cms, marked, decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), false);
  CHECK(deletion_due(cms, released));
}

TEST_CASE("a namespace is held by its content finalizer and terminates when deleted",
          "[apiserver][admission][deletion]") {
  auto& namespaces = *kinds().find_by_resource("namespaces");
  auto live = admit("apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n");
  object_reader l(live);
  auto ns = l.as<k8s::Namespace>();
  REQUIRE(ns.getSpec().getFinalizers().size() == 1);
  CHECK(ns.getSpec().getFinalizers()[0] == "kubernetes");
  CHECK(ns.getStatus().getPhase() == k8s::NamespacePhase::ACTIVE);
  CHECK(map_entries(ns.getMetadata().getLabels()) ==
        std::vector<std::pair<std::string, std::string>>{{"kubernetes.io/metadata.name", "dev"}});

  auto plan = plan_deletion(namespaces, live, -1, 1000);
  REQUIRE(plan.what == deletion_plan::action::mark);
  object_reader m(plan.object);
  CHECK(m.as<k8s::Namespace>().getStatus().getPhase() == k8s::NamespacePhase::TERMINATING);
  CHECK(m.meta().getDeletionGracePeriodSeconds().isUnset());  // its registry sets none
  CHECK_FALSE(deletion_due(namespaces, plan.object));
  // The namespace controller removes the finalizer once the content is gone.
  auto finalized = admit_update(
      namespaces, plan.object,
      decoded("apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\nspec: {finalizers: []}\n"),
      false);
  CHECK(deletion_due(namespaces, finalized));
  CHECK(undeletable_namespace("default"));
  CHECK(undeletable_namespace("kube-system"));
  CHECK_FALSE(undeletable_namespace("dev"));
}

TEST_CASE("owner references must name their owner fully", "[apiserver][admission]") {
  CHECK_THAT(failing_fields("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, ownerReferences: "
                            "[{apiVersion: v1, kind: ConfigMap, name: o}]}\n"),
             Catch::VectorContains(std::string(
                 "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty")));
  CHECK_THAT(
      failing_fields("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, ownerReferences: "
                     "[{apiVersion: v1, kind: ConfigMap, name: o, uid: '1', controller: true}, "
                     "{apiVersion: v1, kind: ConfigMap, name: p, uid: '2', controller: true}]}\n"),
      Catch::VectorContains(std::string("metadata.ownerReferences: Invalid value: Only one "
                                        "reference can have Controller set to true. Found \"true\" in references "
                                        "for ConfigMap/o and ConfigMap/p")));
  CHECK_THAT(failing_fields("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, ownerReferences: "
                            "[{apiVersion: v1, kind: Event, name: e, uid: '1'}]}\n"),
             Catch::VectorContains(std::string(
                 "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\","
                 "\"uid\":\"1\"}: /v1, Kind=Event is disallowed from being an owner")));
}

TEST_CASE("create refuses a resourceVersion and oversized annotations", "[apiserver][admission]") {
  CHECK_THROWS_WITH(
      admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, resourceVersion: '5'}\n"),
      "resourceVersion should not be set on objects to be created");
  std::string big(300 * 1024, 'x');
  CHECK_THAT(
      failing_fields(
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {a: " + big + "}}\n"),
      Catch::VectorContains(
          std::string("metadata.annotations: Too long: must have at most 262144 bytes")));
}

TEST_CASE("pod spec and Service defaults Kubernetes fills in", "[apiserver][admission][kinds]") {
  auto pod_bytes = admit(pod_spec(
      "containers: [{name: c, image: b, readinessProbe: {httpGet: {port: 80}}, lifecycle: "
      "{preStop: "
      "{httpGet: {port: 81}}}, env: [{name: N, "
      "valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]\n  volumes: [{name: scratch}, {name: "
      "cfg, configMap: {name: x}}]"));
  object_reader pod(pod_bytes);
  auto spec = pod.as<k8s::Pod>().getSpec();
  auto probe = spec.getContainers()[0].getReadinessProbe();
  CHECK(probe.getTimeoutSeconds() == 1);
  CHECK(probe.getPeriodSeconds() == 10);
  CHECK(probe.getSuccessThreshold() == 1);
  CHECK(probe.getFailureThreshold() == 3);
  CHECK(text_string(probe.getHttpGet().getPath()) == "/");
  CHECK(probe.getHttpGet().getScheme() == k8s::UriScheme::HTTP);
  auto pre_stop = spec.getContainers()[0].getLifecycle().getPreStop().getHttpGet();
  CHECK(text_string(pre_stop.getPath()) == "/");
  CHECK(pre_stop.getScheme() == k8s::UriScheme::HTTP);
  CHECK(text_string(spec.getContainers()[0].getEnv()[0].getValueFrom().getFieldRef().getApiVersion()) == "v1");
  CHECK(spec.getVolumes()[0].isEmptyDir());  // a volume with no source
  CHECK(spec.getVolumes()[1].getConfigMap().getDefaultMode().getValue() == 0644);

  auto svc_bytes = admit(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, "
      "sessionAffinity: ClientIP, ports: [{port: 80}]}\n");
  object_reader svc(svc_bytes);
  auto svc_spec = svc.as<k8s::Service>().getSpec();
  CHECK(svc_spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds().getValue() == 10800);
  CHECK(svc_spec.getAllocateLoadBalancerNodePorts().getValue());
  // Annotation keys are checked lower-cased, as Kubernetes does.
  CHECK(failing_fields("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: "
                       "{Example.COM/x: y}}\n")
            .empty());
}

TEST_CASE("a Deployment's generation rises when its annotations change", "[apiserver][admission][kinds]") {
  auto& deployments = *kinds().find_by_resource("deployments.apps");
  auto stored = admit(workload("Deployment", ""));
  auto annotated = std::string("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, annotations: "
                               "{kubernetes.io/change-cause: x}}\nspec:\n  selector: {matchLabels: {app: "
                               "a}}\n") + pod_template + "\n";
  auto updated = admit_update(deployments, stored, decoded(annotated), false);
  CHECK(object_reader(updated).meta().getGeneration() == 2);
  // Labels are not annotations: the generation stays.
  auto relabelled = std::string("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, labels: {a: b}}\n"
                                "spec:\n  selector: {matchLabels: {app: a}}\n") + pod_template + "\n";
  auto labelled = admit_update(deployments, stored, decoded(relabelled), false);
  CHECK(object_reader(labelled).meta().getGeneration() == 1);
}

TEST_CASE("only workloads Pods and Ingresses carry a generation as in Kubernetes",
          "[apiserver][admission][kinds]") {
  auto& configmaps = *kinds().find_by_resource("configmaps");
  auto cm = admit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, generation: 7}\n");
  CHECK(object_reader(cm).meta().getGeneration() == 0);
  auto changed = admit_update(configmaps, cm, decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"), false);
  CHECK(object_reader(changed).meta().getGeneration() == 0);
  auto& services = *kinds().find_by_resource("services");
  auto svc = admit("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n");
  CHECK(object_reader(svc).meta().getGeneration() == 0);
  auto moved = admit_update(services, svc, decoded("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 81}]}\n"), false);
  CHECK(object_reader(moved).meta().getGeneration() == 0);
  for (const char* resource : {"deployments.apps", "replicasets.apps", "daemonsets.apps", "statefulsets.apps",
                               "jobs.batch", "cronjobs.batch", "pods", "ingresses.networking.k8s.io"})
    CHECK(kinds().find_by_resource(resource)->tracks_generation);
}

TEST_CASE("deletion grace is the server's: dropped on create and 0 on a held object it marks",
          "[apiserver][admission][deletion]") {
  auto& cms = *kinds().find_by_resource("configmaps");
  auto created = admit(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, deletionGracePeriodSeconds: 30, "
      "finalizers: [a/b]}\n");
  CHECK(object_reader(created).meta().getDeletionGracePeriodSeconds().isUnset());
  auto marked = plan_deletion(cms, created, -1, 1000).object;
  object_reader m(marked);
  CHECK(m.meta().getDeletionTimestamp() == 1000);
  CHECK(m.meta().getDeletionGracePeriodSeconds().getValue() == 0);
}

TEST_CASE("an object stored before a rule existed can still be updated", "[apiserver][admission][kinds]") {
  auto& cms = *kinds().find_by_resource("configmaps");
  // As an older server stored it: a finalizer name the rules now refuse.
  auto stored = decoded(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, uid: u1, finalizers: ['foo bar'], "
      "resourceVersion: '5'}\n");
  // Taking the finalizer away, or changing something else, is allowed...
  CHECK_NOTHROW(admit_update(cms, stored, decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), false));
  CHECK_NOTHROW(admit_update(
      cms, stored,
      decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: ['foo bar']}\ndata: {a: b}\n"),
      false));
  // ...but what the update itself breaks is refused, and only that is named.
  try {
    admit_update(cms, stored,
                 decoded("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: ['foo bar'], "
                         "labels: {'bad key!': x}}\n"),
                 false);
    FAIL("admitted");
  } catch (const api_error& e) {
    REQUIRE(e.causes().size() == 1);
    CHECK(e.causes()[0].path == "metadata.labels");
  }
}

TEST_CASE("a claim's storage request changes only once it is bound and never shrinks", "[apiserver][admission][kinds]") {
  auto claim = [](const char* storage, const char* volume = "") {
    return std::string("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: "
                       "[ReadWriteOnce], volumeName: '") + volume + "', resources: {requests: {storage: " + storage +
           "}}}\n";
  };
  auto& kind = *kinds().find_resource("pvc");
  auto stored = [&](const char* storage, bool bound) {
    capnp::MallocMessageBuilder m;
    auto admitted = admit(claim(storage));
    object_reader r(admitted);
    m.setRoot(r.as<k8s::PersistentVolumeClaim>());
    if (bound) m.getRoot<k8s::PersistentVolumeClaim>().getStatus().setPhase(k8s::ClaimPhase::BOUND);
    return to_bytes(m);
  };
  auto failures = [&](const std::string& before, const char* after) {
    try {
      admit_update(kind, before, decoded(after), false);
    } catch (const api_error& e) {
      std::vector<std::string> out;
      for (auto& c : e.causes()) out.push_back(c.path + ": " + c.message);
      return out;
    }
    return std::vector<std::string>{};
  };
  const std::string fixed = "spec: Forbidden: spec is immutable after creation except resources.requests for bound claims";
  const std::string shrunk = "spec.resources.requests.storage: Forbidden: field can not be less than previous value";
  CHECK_THAT(failures(stored("1Gi", false), claim("2Gi").c_str()), Catch::VectorContains(fixed));
  CHECK(failures(stored("1Gi", true), claim("2Gi").c_str()).empty());
  CHECK_THAT(failures(stored("2Gi", true), claim("1Gi").c_str()), Catch::VectorContains(shrunk));
  CHECK(failures(stored("1Gi", false), claim("1Gi", "pv1").c_str()).empty());  // a volume, once
}

namespace {

// A Job whose spec has `extra` beside a Never-restarting template with containers main and
// setup (an init container).
std::string job_with(const std::string& extra, const std::string& name = "j", const char* restart = "Never") {
  return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: " + name + "}\nspec:\n" + extra +
         "  template: {spec: {restartPolicy: " + restart +
         ", initContainers: [{name: setup, image: b}], containers: [{name: main, image: b}]}}\n";
}

}  // namespace

TEST_CASE("a Job's pod failure policy and per-index backoff are validated", "[apiserver][admission][kinds]") {
  const std::string indexed = "  completionMode: Indexed\n  completions: 4\n";
  struct row {
    std::string manifest;
    std::string cause;
  };
  auto r = GENERATE_COPY(values<row>({
      {job_with("  podFailurePolicy: {rules: [{onExitCodes: {operator: In, values: [1]}}]}\n"),
       "spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" "
       "\"Ignore\"]"},
      {job_with("  podFailurePolicy: {rules: [{action: FailIndex, onExitCodes: {operator: In, values: [1]}}]}\n"),
       "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be "
       "set"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [0, 2]}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: NotIn, values: [3, 1, 3]}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{3, 1, 3}: must be ordered"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: NotIn, values: [3, 1, 3]}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: []}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{}: at least one value is required"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {values: [1]}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: [\"In\" \"NotIn\"]"},
      {job_with("  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {containerName: web, operator: In, "
                "values: [1]}}]}\n"),
       "spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: \"web\": must be one of the "
       "container or initContainer names in the pod template"},
      {job_with("  podFailurePolicy: {rules: [{action: Ignore}]}\n"),
       "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is "
       "required"},
      {job_with("  podFailurePolicy: {rules: [{action: Ignore, onExitCodes: {operator: In, values: [1]}, "
                "onPodConditions: [{type: DisruptionTarget}]}]}\n"),
       "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not "
       "supported"},
      {job_with("  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: 'bad type'}]}]}\n"),
       "spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"bad type\": name part must consist "
       "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
       "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
       "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {job_with("  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}\n",
                "j", "OnFailure"),
       "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when "
       "podFailurePolicy is specified"},
      {job_with("  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}\n"
                "  podReplacementPolicy: TerminatingOrFailed\n"),
       "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\""},
      {job_with("  backoffLimitPerIndex: 1\n"),
       "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"},
      {job_with(indexed + "  maxFailedIndexes: 1\n"),
       "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"},
      {job_with(indexed + "  backoffLimitPerIndex: -1\n"),
       "spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0"},
      {job_with(indexed + "  backoffLimitPerIndex: 1\n  maxFailedIndexes: 5\n"),
       "spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions"},
      {job_with("  completionMode: Indexed\n  completions: 200000\n  parallelism: 20000\n  backoffLimitPerIndex: 1\n"),
       "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000"},
      {job_with("  completionMode: Indexed\n  completions: 200000\n  parallelism: 20000\n  backoffLimitPerIndex: 1\n"),
       "spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above "
       "100000 and used with backoff limit per index"},
      {job_with("  completionMode: Indexed\n  completions: 10\n  parallelism: 100001\n"),
       "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is "
       "Indexed"},
      // Its pods' hosts are <job>-<index>: the last must still be a DNS label.
      {job_with(indexed, std::string(62, 'j')),
       "metadata.name: Invalid value: \"" + std::string(62, 'j') +
           "\": will not able to create pod with invalid DNS label: " + std::string(62, 'j') + "-3"},
  }));
  CAPTURE(r.manifest);
  CHECK_THAT(failing_fields(r.manifest), Catch::VectorContains(r.cause));
}

TEST_CASE("a Job's failure actions and policies are read by their names", "[apiserver][admission][kinds]") {
  // Unknown names fail as the manifest is read, with Kubernetes' words.
  CHECK_THROWS_WITH(
      admit(job_with("  podFailurePolicy: {rules: [{action: Retry, onExitCodes: {operator: In, values: [1]}}]}\n")),
      Catch::Contains("spec.podFailurePolicy.rules[0].action: Unsupported value: \"Retry\": supported values: "
                      "\"Count\", \"FailIndex\", \"FailJob\", \"Ignore\""));
  CHECK_THROWS_WITH(
      admit(job_with("  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget, "
                     "status: Maybe}]}]}\n")),
      Catch::Contains("spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: \"Maybe\""));
  CHECK_THROWS_WITH(admit(job_with("  podReplacementPolicy: Sometimes\n")),
                    Catch::Contains("spec.podReplacementPolicy: Unsupported value: \"Sometimes\": supported values: "
                                    "\"Failed\", \"TerminatingOrFailed\""));
}

TEST_CASE("a Job's pod failure policy is defaulted and kept", "[apiserver][admission][kinds]") {
  auto bytes = admit(job_with("  completionMode: Indexed\n  completions: 4\n  backoffLimitPerIndex: 1\n"
                              "  maxFailedIndexes: 2\n  podFailurePolicy:\n    rules:\n"
                              "    - {action: FailIndex, onExitCodes: {containerName: main, operator: In, "
                              "values: [1, 42]}}\n    - {action: Ignore, onPodConditions: [{type: DisruptionTarget}]}\n"));
  object_reader r(bytes);
  auto spec = r.as<k8s::Job>().getSpec();
  CHECK(spec.getBackoffLimitPerIndex().getValue() == 1);
  CHECK(spec.getMaxFailedIndexes().getValue() == 2);
  CHECK(spec.getBackoffLimit().getValue() == INT32_MAX);  // the per-index limit decides
  auto rules = spec.getPodFailurePolicy().getRules();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].getAction() == k8s::PodFailurePolicyAction::FAIL_INDEX);
  CHECK(rules[0].getOnExitCodes().getValues().size() == 2);
  CHECK(rules[1].getOnPodConditions()[0].getStatus() == k8s::ConditionStatus::IS_TRUE);
  // With a failure policy only Failed pods are replaced; without one, terminating ones too.
  CHECK(spec.getPodReplacementPolicy() == k8s::PodReplacementPolicy::FAILED);
  auto plain_bytes = admit(job_with(""));
  object_reader plain(plain_bytes);
  CHECK(plain.as<k8s::Job>().getSpec().getPodReplacementPolicy() ==
        k8s::PodReplacementPolicy::TERMINATING_OR_FAILED);
  // As Kubernetes writes it: a rule on exit codes still shows its (empty) pod conditions.
  auto yaml = codec::to_yaml(codec::encode_object(bytes, *kinds().find("batch/v1", "Job")));
  CHECK_THAT(yaml, Catch::Contains("    - action: FailIndex\n      onExitCodes:\n        containerName: main\n"
                                   "        operator: In\n        values:\n        - 1\n        - 42\n"
                                   "      onPodConditions: []\n"));
  CHECK_THAT(yaml, Catch::Contains("  podReplacementPolicy: Failed\n"));
}

TEST_CASE("an update that breaks a fixed field also says what else is wrong", "[apiserver][admission][kinds]") {
  // A new selector: it may not change, and it no longer matches the template.
  auto causes = update_failures(workload("Deployment", ""), workload("Deployment", "", "{matchLabels: {app: other}}"));
  CHECK(causes == std::vector<std::string>{
                      "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"a\"}: `selector` does "
                      "not match template `labels`",
                      "spec.selector: Invalid value: field is immutable"});
}

TEST_CASE("a default added since an object was stored is no new generation", "[apiserver][admission][kinds]") {
  // Stored before podReplacementPolicy had a default: a label change is still no spec change.
  auto yaml = [](const char* labels) {
    return std::string("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, uid: u1, generation: 1, resourceVersion: "
                       "'5', labels: ") +
           labels +
           "}\nspec:\n  selector: {matchLabels: {batch.kubernetes.io/controller-uid: u1}}\n  template: {metadata: "
           "{labels: {batch.kubernetes.io/controller-uid: u1, controller-uid: u1, job-name: j, "
           "batch.kubernetes.io/job-name: j}}, spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n";
  };
  auto stored = decoded(yaml("{a: '1'}"));
  REQUIRE(object_reader(stored).as<k8s::Job>().getSpec().getPodReplacementPolicy() ==
          k8s::PodReplacementPolicy::UNSPECIFIED);
  auto updated = admit_update(*kinds().find("batch/v1", "Job"), stored, decoded(yaml("{a: '2'}")), false);
  object_reader after(updated);
  CHECK(after.meta().getGeneration() == 1);
  CHECK(after.as<k8s::Job>().getSpec().getPodReplacementPolicy() == k8s::PodReplacementPolicy::TERMINATING_OR_FAILED);
}

TEST_CASE("a Job's failure policy stays and an Indexed Job's completions follow its parallelism",
          "[apiserver][admission][kinds]") {
  const std::string policy = "  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}\n";
  CHECK_THAT(update_failures(job_with(policy), job_with("")),
             Catch::VectorContains(std::string("spec.podFailurePolicy: Invalid value: field is immutable")));
  const std::string indexed = "  completionMode: Indexed\n  backoffLimitPerIndex: 1\n";
  CHECK_THAT(update_failures(job_with(indexed + "  completions: 4\n  parallelism: 4\n"),
                             job_with(indexed + "  completions: 6\n  parallelism: 4\n")),
             Catch::VectorContains(std::string("spec.completions: Invalid value: 6: can only be modified in tandem "
                                               "with spec.parallelism")));
  CHECK(update_failures(job_with(indexed + "  completions: 4\n  parallelism: 4\n"),
                        job_with(indexed + "  completions: 6\n  parallelism: 6\n"))
            .empty());
  CHECK_THAT(update_failures(job_with(indexed + "  completions: 4\n"),
                             job_with("  completionMode: Indexed\n  backoffLimitPerIndex: 2\n  completions: 4\n")),
             Catch::VectorContains(std::string("spec.backoffLimitPerIndex: Invalid value: field is immutable")));
  // A NonIndexed Job's completions stay as they are.
  CHECK_THAT(update_failures(job_with("  completions: 4\n  parallelism: 4\n"),
                             job_with("  completions: 6\n  parallelism: 6\n")),
             Catch::VectorContains(std::string("spec.completions: Invalid value: field is immutable")));
}

TEST_CASE("RBAC names are path segments and Lease times are positive as Kubernetes checks them", "[apiserver]") {
  // Names every cluster's system roles use: a colon, capitals.
  for (const char* kind : {"ClusterRole", "Role"})
    CHECK_NOTHROW(admit(std::string("apiVersion: rbac.authorization.k8s.io/v1\nkind: ") + kind +
                        "\nmetadata: {name: 'system:aggregate-to-View'}\nrules: []\n"));
  CHECK(failing_fields("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                       "metadata: {name: 'a/b%'}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, "
                       "name: r}\n") ==
        std::vector<std::string>{"metadata.name: Invalid value: \"a/b%\": may not contain '/'",
                                 "metadata.name: Invalid value: \"a/b%\": may not contain '%'"});
  CHECK(failing_fields("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: '..'}\n") ==
        std::vector<std::string>{"metadata.name: Invalid value: \"..\": may not be '..'"});
  // Other kinds keep their DNS rules.
  CHECK(failing_fields("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: 'system:x'}\n").size() == 1);

  CHECK(failing_fields("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\n"
                       "spec: {leaseDurationSeconds: 0, leaseTransitions: -3}\n") ==
        std::vector<std::string>{"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                                 "spec.leaseTransitions: Invalid value: -3: must be greater than or equal to 0"});
  CHECK_NOTHROW(admit("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\n"
                      "spec: {leaseDurationSeconds: 40, leaseTransitions: 0}\n"));
}

TEST_CASE("tolerations and affinity are checked as Kubernetes checks them", "[apiserver][admission][kinds]") {
  auto causes = [](const std::string& spec) { return failing_fields(pod_spec(spec + "\n  containers: [{name: c, image: i}]")); };
  using list = std::vector<std::string>;
  CHECK(causes("tolerations: [{key: k, operator: Exists, value: z}]") ==
        list{"spec.tolerations[0].operator: Invalid value: core.Toleration{Key:\"k\", Operator:\"Exists\", Value:\"z\", "
             "Effect:\"\", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is 'Exists'"});
  CHECK(causes("tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule, tolerationSeconds: 5}]") ==
        list{"spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
             "`tolerationSeconds` is set"});
  CHECK(causes("tolerations: [{operator: Equal, value: v}]") ==
        list{"spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, "
             "which means \"match all values and all keys\""});
  CHECK(causes("tolerations: [{operator: Exists}, {key: k, value: v, effect: NoExecute, tolerationSeconds: 5}]").empty());
  CHECK(causes("tolerations: [{key: k, operator: Equal, value: 'a b'}]") ==
        list{"spec.tolerations[0].operator: Invalid value: core.Toleration{Key:\"k\", Operator:\"Equal\", Value:\"a b\", "
             "Effect:\"\", TolerationSeconds:(*int64)(nil)}: a valid label must be an empty string or consist of "
             "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
             "'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"});

  std::string required = "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: ";
  CHECK(causes(required + "[]}}}") ==
        list{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required "
             "value: must have at least one node selector term"});
  CHECK(causes(required + "[{matchExpressions: [{key: a, operator: Exists, values: [x]}, {key: b, operator: In, values: []}, "
                          "{key: c, operator: Gt, values: ['1', '2']}], matchFields: [{key: spec.x, operator: In, values: [n]}]}]}}}") ==
        list{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
             ".matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
             "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
             ".matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
             "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
             ".matchExpressions[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
             "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
             ".matchFields[0].key: Invalid value: \"spec.x\": not a valid field selector key"});
  CHECK(causes("affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 500, preference: "
               "{matchExpressions: [{key: a, operator: In, values: [x]}]}}]}}") ==
        list{"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 500: "
             "must be in the range 1-100"});
  auto anti = causes("affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
                     "[{labelSelector: {matchLabels: {app: a}}}]}}");
  REQUIRE_FALSE(anti.empty());
  CHECK(anti[0] == "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: "
                   "Required value: can not be empty");
  CHECK(causes("affinity: {podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 10, podAffinityTerm: "
               "{labelSelector: {matchLabels: {app: a}}, topologyKey: kubernetes.io/hostname}}]}}").empty());
  // Selectors as Kubernetes' ValidateLabelSelector: expression values are label values, a
  // Forbidden list of values, each at its own field.
  CHECK(
      causes(
          "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: "
          "zone, "
          "labelSelector: {matchExpressions: [{key: app, operator: In, values: [ok, 'not ok']}]}, "
          "namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: "
          "[x]}]}}]}}") ==
      list{"spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
           "labelSelector"
           ".matchExpressions[0].values[1]: Invalid value: \"not ok\": a valid label must be an "
           "empty string or "
           "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
           "alphanumeric "
           "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
           "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
           "namespaceSelector"
           ".matchExpressions[0].values: Forbidden: may not be specified when `operator` is "
           "'Exists' or "
           "'DoesNotExist'"});
  // A workload's template is a pod spec too.
  CHECK_THAT(failing_fields(workload("Deployment", "", "{matchLabels: {app: a}}").replace(
                 workload("Deployment", "", "{matchLabels: {app: a}}").find("containers:"), 11,
                 "tolerations: [{operator: Equal}], containers:")),
             Catch::VectorContains(std::string("spec.template.spec.tolerations[0].operator: Invalid value: \"Equal\": "
                                               "operator must be Exists when `key` is empty, which means \"match all "
                                               "values and all keys\"")));
}

TEST_CASE("topology spread constraints are checked as Kubernetes checks them",
          "[apiserver][admission][kinds]") {
  auto causes = [](const std::string& constraints) {
    return failing_fields(pod_spec("topologySpreadConstraints: " + constraints +
                                   "\n  containers: [{name: c, image: i}]"));
  };
  using list = std::vector<std::string>;
  const std::string at = "spec.topologySpreadConstraints";
  CHECK(causes("[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: "
               "{matchLabels: {app: a}}, "
               "minDomains: 2, matchLabelKeys: [pod-template-hash], nodeAffinityPolicy: Ignore, "
               "nodeTaintsPolicy: Honor}, "
               "{maxSkew: 3, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]")
            .empty());
  CHECK(causes("[{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Sometimes}]") ==
        list{at + "[0].maxSkew: Invalid value: 0: must be greater than zero",
             at + "[0].whenUnsatisfiable: Unsupported value: \"Sometimes\": supported values: "
                  "\"DoNotSchedule\", "
                  "\"ScheduleAnyway\""});
  CHECK(causes("[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}, "
               "{maxSkew: 2, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]") ==
        list{at +
             "[0].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, ScheduleAnyway}\""});
  CHECK(
      causes(
          "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 0}]") ==
      list{at + "[0].minDomains: Invalid value: 0: must be greater than zero",
           at + "[0].minDomains: Invalid value: 0: can only use minDomains if "
                "whenUnsatisfiable=DoNotSchedule, not "
                "ScheduleAnyway"});
  CHECK(causes("[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, "
               "nodeAffinityPolicy: honor, "
               "nodeTaintsPolicy: Always}]") ==
        list{at + "[0].nodeAffinityPolicy: Unsupported value: \"honor\": supported values: "
                  "\"Honor\", \"Ignore\"",
             at + "[0].nodeTaintsPolicy: Unsupported value: \"Always\": supported values: "
                  "\"Honor\", \"Ignore\""});
  CHECK(causes("[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: "
               "[app]}]") ==
        list{at +
             "[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"});
  CHECK(causes("[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: "
               "[app, 'a b'], "
               "labelSelector: {matchExpressions: [{key: app, operator: Exists}]}}]") ==
        list{at + "[0].matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys "
                  "and labelSelector",
             at + "[0].matchLabelKeys[1]: Invalid value: \"a b\": name part must consist of "
                  "alphanumeric characters, "
                  "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                  "'MyName',  or "
                  "'my.name',  or '123-abc', regex used for validation is "
                  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"});
  auto bad_selector = causes(
      "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, "
      "labelSelector: {matchExpressions: [{key: app, operator: In}]}}]");
  CHECK(bad_selector == std::vector<std::string>{
                            at + "[0].labelSelector.matchExpressions[0].values: Required value: "
                                 "must be specified when `operator` is 'In' or 'NotIn'"});
  auto no_key = causes("[{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]");
  CHECK_THAT(no_key,
             Catch::VectorContains(at + "[0].topologyKey: Required value: can not be empty"));
}

TEST_CASE("a pod's priority comes from its priority class as Kubernetes' Priority admission sets it",
          "[apiserver][admission][kinds]") {
  std::vector<priority_class_info> classes = {
      {"system-node-critical", 2000001000, false, k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY},
      {"high", 1000, false, k8s::PreemptionPolicy::NEVER},
  };
  auto ctx = fixed_context();
  ctx.priority_classes = [&] { return classes; };
  struct admitted {
    int64_t priority;
    std::string class_name, preemption;
  };
  auto admitted_as = [&](const std::string& extra) {
    auto bytes = admit(pod_spec(extra + "\n  containers: [{name: c, image: i}]"), ctx);
    object_reader r(bytes);
    auto spec = r.as<k8s::Pod>().getSpec();
    return admitted{spec.getPriority().isUnset() ? -1 : spec.getPriority().getValue(),
                    text_string(spec.getPriorityClassName()),
                    preemption_policy_name(spec.getPreemptionPolicy())};
  };
  auto priority_of = [&](const std::string& extra) { return admitted_as(extra).priority; };
  CHECK(priority_of("schedulerName: default-scheduler") == 0);
  CHECK(priority_of("priorityClassName: system-node-critical") == 2000001000);
  CHECK(priority_of("priorityClassName: system-node-critical\n  priority: 2000001000") ==
        2000001000);
  // The class's preemption policy, which the pod may repeat but not contradict.
  CHECK(admitted_as("priorityClassName: high").preemption == "Never");
  CHECK(admitted_as("priorityClassName: high\n  preemptionPolicy: Never").priority == 1000);
  CHECK(admitted_as("schedulerName: default-scheduler").preemption == "PreemptLowerPriority");
  auto refused = [&](const std::string& extra) {
    try {
      priority_of(extra);
    } catch (const api_error& e) {
      return std::string(to_string(e.code())) + ": " + e.message();
    }
    return std::string("admitted");
  };
  CHECK(refused("priorityClassName: higher") ==
        "Forbidden: pods \"p\" is forbidden: no PriorityClass with name higher was found");
  try {
    admit(
        "apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\nspec:\n  priorityClassName: "
        "higher\n"
        "  containers: [{name: c, image: i}]\n",
        ctx);
    FAIL("admitted");
  } catch (const api_error& e) {  // a name yet to be generated: its prefix, as Kubernetes names it
    CHECK(e.message() == "pods \"web-\" is forbidden: no PriorityClass with name higher was found");
  }
  CHECK(refused("priority: 1000") ==
        "Forbidden: pods \"p\" is forbidden: the integer value of priority (1000) must not be provided in pod spec; "
        "priority admission controller computed 0 from the given PriorityClass name");
  CHECK(refused("priorityClassName: high\n  preemptionPolicy: PreemptLowerPriority") ==
        "Forbidden: pods \"p\" is forbidden: the string value of PreemptionPolicy "
        "(PreemptLowerPriority) must not be "
        "provided in pod spec; priority admission controller computed Never from the given "
        "PriorityClass name");
  // A pod naming no class gets the global default's (the lowest valued of several), by name.
  classes.push_back({"default-ten", 10, true, k8s::PreemptionPolicy::NEVER});
  classes.push_back({"default-five", 5, true, k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY});
  auto defaulted = admitted_as("schedulerName: default-scheduler");
  CHECK(defaulted.priority == 5);
  CHECK(defaulted.class_name == "default-five");
  CHECK(priority_of("priorityClassName: high") == 1000);
}

TEST_CASE("a pod update that leaves out its priority and preemption policy keeps them",
          "[apiserver][admission][kinds]") {
  auto ctx = fixed_context();
  ctx.priority_classes = [] {
    return std::vector<priority_class_info>{{"high", 1000, false, k8s::PreemptionPolicy::NEVER}};
  };
  const std::string before =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  priorityClassName: high\n"
      "  containers: [{name: c, image: 'busybox:1'}]\n";
  auto docs = codec::decode_manifests(before, "stored.yaml", kinds());
  auto stored = admit(before, ctx);
  // As a replace sends it: the manifest again with a new image, no priority nor policy.
  auto after = before;
  after.replace(after.find("busybox:1"), 9, "busybox:2");
  auto updated = admit_update(*docs[0].kind, stored, decoded(after), false);
  object_reader r(updated);
  auto spec = r.as<k8s::Pod>().getSpec();
  CHECK(spec.getPriority().getValue() == 1000);
  CHECK(spec.getPreemptionPolicy() == k8s::PreemptionPolicy::NEVER);
  CHECK(text_string(spec.getContainers()[0].getImage()) == "busybox:2");
}

TEST_CASE("priority classes are checked as Kubernetes' ValidatePriorityClass checks them",
          "[apiserver][kinds]") {
  auto pc = [](const std::string& name, const std::string& rest) {
    return "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: " + name +
           "}\n" + rest;
  };
  auto admitted = admit(pc("high", "value: 1000\ndescription: for the important ones\n"));
  object_reader r(admitted);
  CHECK(preemption_policy_name(r.as<k8s::PriorityClass>().getPreemptionPolicy()) ==
        "PreemptLowerPriority");
  CHECK(failing_fields(pc("high", "value: 1000000001\n")) ==
        std::vector<std::string>{
            "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"});
  CHECK(failing_fields(pc("system-node-critical", "value: 2000001000\n")).empty());
  CHECK(failing_fields(pc("system-mine", "value: 1\n")) ==
        std::vector<std::string>{
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
            "system use only. error: system-mine is not a known system priority class"});
  CHECK(failing_fields(pc("system-node-critical", "value: 5\n")) ==
        std::vector<std::string>{
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
            "system use only. error: value of system-node-critical PriorityClass must be "
            "2000001000"});
  CHECK(
      failing_fields(pc("system-cluster-critical", "value: 2000000000\nglobalDefault: true\n")) ==
      std::vector<std::string>{
          "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
          "system use only. error: globalDefault of system-cluster-critical PriorityClass must be "
          "false"});
  CHECK(failing_fields(pc("Bad_Name", "value: 1\n")).size() == 1);
  // The value and the preemption policy stay as they were made.
  auto changed = [&](const std::string& rest) {
    return update_failures(pc("high", "value: 1000\n"), pc("high", rest));
  };
  CHECK(changed("value: 1000\ndescription: now described\nglobalDefault: true\n").empty());
  CHECK(changed("value: 2000\n") ==
        std::vector<std::string>{"value: Forbidden: may not be changed in an update."});
  CHECK(changed("value: 1000\npreemptionPolicy: Never\n") ==
        std::vector<std::string>{"preemptionPolicy: Invalid value: \"Never\": field is immutable"});
}

TEST_CASE("environment variable names follow Kubernetes 1.29's rule", "[apiserver][admission][kinds]") {
  CHECK(failing_fields(pod_spec("containers: [{name: c, image: i, env: [{name: 1BAD, value: x}, {name: '', value: y}]}]")) ==
        std::vector<std::string>{
            "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of "
            "alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or "
            "'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
            "spec.containers[0].env[1].name: Required value"});
  CHECK(failing_fields(pod_spec("containers: [{name: c, image: i, env: [{name: MY_ENV.name-1, value: x}]}]")).empty());
}

TEST_CASE("bindings get the RBAC group where a manifest leaves it out and subjects are checked per kind",
          "[apiserver][kinds]") {
  auto binding = [](const std::string& kind, const std::string& rest) {
    return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: b}\n" + rest;
  };
  auto stored = admit(binding("RoleBinding", "roleRef: {kind: Role, name: r}\nsubjects: [{kind: User, name: ann}, "
                                             "{kind: Group, name: ops}, {kind: ServiceAccount, name: sa}]\n"));
  auto yaml = codec::to_yaml(codec::encode_object(stored, *kinds().find("rbac.authorization.k8s.io/v1", "RoleBinding")));
  CHECK_THAT(yaml, Catch::Contains("roleRef:\n  apiGroup: rbac.authorization.k8s.io\n"));
  CHECK_THAT(yaml, Catch::Contains("- kind: User\n  apiGroup: rbac.authorization.k8s.io\n"));
  CHECK_THAT(yaml, Catch::Contains("- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n"));
  CHECK_THAT(yaml, Catch::Contains("- kind: ServiceAccount\n  name: sa\n"));
  CHECK_NOTHROW(admit(binding("ClusterRoleBinding", "roleRef: {kind: ClusterRole, name: r}\n")));

  CHECK(failing_fields(binding("ClusterRoleBinding",
                               "roleRef: {kind: ClusterRole, name: a/b}\nsubjects:\n"
                               "- {kind: ServiceAccount, apiGroup: rbac.authorization.k8s.io, name: Bad_Name, "
                               "namespace: x}\n- {kind: User, apiGroup: foo, name: u}\n")) ==
        std::vector<std::string>{
            "roleRef.name: Invalid value: \"a/b\": may not contain '/'",
            "subjects[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower "
            "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "subjects[0].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\": supported values: \"\"",
            "subjects[1].apiGroup: Unsupported value: \"foo\": supported values: \"rbac.authorization.k8s.io\""});
  CHECK(failing_fields("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n"
                       "rules: [{verbs: [get], nonResourceURLs: [/healthz], resourceNames: [x]}]\n"
                       "aggregationRule: {clusterRoleSelectors: []}\n") ==
        std::vector<std::string>{
            "rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: rules cannot apply to both regular "
            "resources and non-resource URLs",
            "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if "
            "aggregationRule is non-nil"});
  CHECK(failing_fields("apiVersion: rbac.authorization.k8s.io/v1\nkind: "
                       "ClusterRoleBinding\nmetadata: {name: b}\n"
                       "roleRef: {apiGroup: foo, kind: Role, name: r}\n") ==
        std::vector<std::string>{
            "roleRef.apiGroup: Unsupported value: \"foo\": supported values: "
            "\"rbac.authorization.k8s.io\"",
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\""});
  auto selector_errors = failing_fields(
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n"
      "aggregationRule: {clusterRoleSelectors: [{matchLabels: {a: b}}, {matchLabels: {'bad key!': "
      "x}}, "
      "{matchExpressions: [{key: a, operator: In}]}]}\n");
  // As Kubernetes' ValidateLabelSelector: each error at its own field.
  REQUIRE(selector_errors.size() == 2);
  CHECK_THAT(
      selector_errors[0],
      Catch::StartsWith(
          "aggregationRule.clusterRoleSelectors[1].matchLabels: Invalid value: \"bad key!\": "
          "name part must consist"));
  CHECK(selector_errors[1] ==
        "aggregationRule.clusterRoleSelectors[2].matchExpressions[0].values: Required value: must "
        "be specified when `operator` is 'In' or 'NotIn'");
}

TEST_CASE("workload specs are checked as Kubernetes' apps validation checks them", "[apiserver][kinds]") {
  auto with_template = [](const char* kind, const char* extra, const char* pod_extra) {
    return std::string("apiVersion: apps/v1\nkind: ") + kind + "\nmetadata: {name: w}\nspec:\n  selector: " +
           "{matchLabels: {app: a}}\n" + extra +
           "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: busybox}]" +
           pod_extra + "}\n";
  };
  CHECK(failing_fields(with_template("DaemonSet",
                                     "  minReadySeconds: -1\n  revisionHistoryLimit: -2\n"
                                     "  updateStrategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: '150%'}}\n",
                                     ", activeDeadlineSeconds: 5, restartPolicy: Never")) ==
        std::vector<std::string>{
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
            "spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds must be nil for "
            "daemon sets",
            "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
            "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
            "StrVal:\"150%\"}: must not be greater than 100%",
            "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
            "StrVal:\"150%\"}: may not be set when maxUnavailable is non-zero",
            "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0"});
  CHECK(failing_fields(with_template("DaemonSet", "  updateStrategy: {rollingUpdate: {maxUnavailable: 0}}\n", "")) ==
        std::vector<std::string>{
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"});
  CHECK_NOTHROW(admit(with_template("DaemonSet", "  updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}\n", "")));
  CHECK(failing_fields(with_template("Deployment", "  strategy: {rollingUpdate: {maxSurge: abc, maxUnavailable: -1}}\n",
                                     ", activeDeadlineSeconds: 5")) ==
        std::vector<std::string>{
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
            "StrVal:\"abc\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
            "or '93%', regex used for validation is '[0-9]+%')",
            "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"});
  CHECK(failing_fields(with_template("Deployment", "  strategy: {rollingUpdate: {maxSurge: '0%', maxUnavailable: 0}}\n", "")) ==
        std::vector<std::string>{
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, "
            "StrVal:\"\"}: may not be 0 when `maxSurge` is 0"});
  CHECK(failing_fields(with_template("ReplicaSet", "  minReadySeconds: -3\n", "")) ==
        std::vector<std::string>{"spec.minReadySeconds: Invalid value: -3: must be greater than or equal to 0"});
  auto sts = failing_fields(with_template("StatefulSet",
                                          "  minReadySeconds: -1\n  ordinals: {start: -1}\n"
                                          "  updateStrategy: {rollingUpdate: {partition: -1}}\n",
                                          ", activeDeadlineSeconds: 5"));
  CHECK(sts == std::vector<std::string>{
                   "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                   "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0",
                   "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
                   "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not "
                   "Supported"});
  // A StatefulSet's pods are named after it and it is their hostname's start: a DNS label.
  auto dotted = with_template("StatefulSet", "", "");
  dotted.replace(dotted.find("name: w"), 7, "name: web.x");
  CHECK(failing_fields(dotted) ==
        std::vector<std::string>{
            "metadata.name: Invalid value: \"web.x\": a lowercase RFC 1123 label must consist of lower case "
            "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
            "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
}

TEST_CASE("jobs may have no deadline or ttl below zero and a cron job's template leaves the selector alone",
          "[apiserver][kinds]") {
  auto job = [](const std::string& spec_extra) {
    return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n" + spec_extra +
           "  template: {spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n";
  };
  CHECK_NOTHROW(admit(job("  activeDeadlineSeconds: 0\n  ttlSecondsAfterFinished: 0\n")));
  CHECK(failing_fields(job("  activeDeadlineSeconds: -5\n  ttlSecondsAfterFinished: -1\n")) ==
        std::vector<std::string>{
            "spec.activeDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0",
            "spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0"});
  CHECK(failing_fields("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '0 0 ? JAN,FEB *'\n"
                       "  jobTemplate:\n    spec:\n      selector: {matchLabels: {a: b}}\n      manualSelector: true\n"
                       "      template: {metadata: {labels: {a: b}}, spec: {restartPolicy: Never, containers: "
                       "[{name: c, image: b}]}}\n") ==
        std::vector<std::string>{
            "spec.jobTemplate.spec.selector: Invalid value: `selector` will be auto-generated",
            "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\""});
  // "Local" in any case is refused; Go's LoadLocation loads "Local" itself but no other spelling.
  auto zoned = [](const char* zone) {
    return std::string("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '0 0 * * *'\n") +
           "  timeZone: " + zone + "\n  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: "
           "[{name: c, image: b}]}}}}\n";
  };
  const std::string explicit_zone =
      ": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones";
  CHECK(failing_fields(zoned("Local")) == std::vector<std::string>{"spec.timeZone: Invalid value: \"Local\"" + explicit_zone});
  CHECK(failing_fields(zoned("LOCAL")) ==
        std::vector<std::string>{"spec.timeZone: Invalid value: \"LOCAL\"" + explicit_zone,
                                 "spec.timeZone: Invalid value: \"LOCAL\": unknown time zone LOCAL"});
}

TEST_CASE("services reached from outside default their external policy and selectorless headless ones any family",
          "[apiserver][kinds]") {
  auto yaml_of = [](const std::string& manifest) {
    return codec::to_yaml(codec::encode_object(admit(manifest), *kinds().find("v1", "Service")));
  };
  auto external = yaml_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                          "spec: {externalIPs: [127.9.9.9], ports: [{port: 80}]}\n");
  CHECK_THAT(external, Catch::Contains("externalTrafficPolicy: Cluster"));
  auto headless = yaml_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None}\n");
  CHECK_THAT(headless, Catch::Contains("ipFamilyPolicy: RequireDualStack"));
  CHECK_THAT(headless, Catch::Contains("ipFamilies:\n  - IPv4"));
  CHECK_NOTHROW(admit("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                      "spec: {clusterIP: None, ipFamilyPolicy: RequireDualStack}\n"));
  auto selected = yaml_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                          "spec: {clusterIP: None, selector: {app: a}, ports: [{port: 80}]}\n");
  CHECK_THAT(selected, Catch::Contains("ipFamilyPolicy: SingleStack"));
  CHECK_THAT(selected, !Catch::Contains("externalTrafficPolicy"));
}

TEST_CASE("ingresses are checked as Kubernetes' networking validation checks them", "[apiserver][kinds]") {
  auto ingress = [](const std::string& spec, const std::string& meta = "{name: i}") {
    return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: " + meta + "\nspec:\n" + spec;
  };
  CHECK(failing_fields(ingress("  rules:\n"
                               "  - host: 1.2.3.4\n    http: {paths: []}\n"
                               "  - host: 'a.*.com'\n    http:\n      paths:\n"
                               "      - {path: 'a//b/..', pathType: Prefix, backend: {service: {name: web, port: "
                               "{name: Http_X}}}}\n"
                               "      - {path: foo, pathType: ImplementationSpecific, backend: {service: {name: web, "
                               "port: {name: http, number: 80}}, resource: {kind: K, name: n}}}\n"
                               "      - {pathType: Exact, backend: {resource: {name: n}}}\n"
                               "      - {pathType: Exact, path: /, backend: {}}\n"
                               "  tls: [{hosts: ['Bad_Host'], secretName: 'Bad_Secret'}]\n"
                               "  ingressClassName: nginx\n",
                               "{name: i, annotations: {kubernetes.io/ingress.class: traefik}}")) ==
        std::vector<std::string>{
            "spec.rules[0].host: Invalid value: \"1.2.3.4\": must be a DNS name, not an IP address",
            "spec.rules[0].http.paths: Required value",
            "spec.rules[1].host: Invalid value: \"a.*.com\": a wildcard DNS-1123 subdomain must start with '*.', "
            "followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' "
            "and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is "
            "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.rules[1].http.paths[0].path: Invalid value: \"a//b/..\": must be an absolute path",
            "spec.rules[1].http.paths[0].path: Invalid value: \"a//b/..\": must not contain '//'",
            "spec.rules[1].http.paths[0].path: Invalid value: \"a//b/..\": cannot end with '/..'",
            "spec.rules[1].http.paths[0].backend.service.port.name: Invalid value: \"Http_X\": must contain only "
            "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.rules[1].http.paths[1].path: Invalid value: \"foo\": must be an absolute path",
            "spec.rules[1].http.paths[1].backend: Invalid value: \"\": cannot set both resource and service backends",
            "spec.rules[1].http.paths[2].path: Invalid value: \"\": must be an absolute path",
            "spec.rules[1].http.paths[2].backend.resource.kind: Required value: kind is required",
            "spec.rules[1].http.paths[3].backend: Invalid value: \"\": resource or service backend is required",
            "spec.tls[0].hosts[0]: Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain must consist of lower "
            "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.tls[0].secretName: Invalid value: \"Bad_Secret\": a lowercase RFC 1123 subdomain must consist of "
            "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "annotations.kubernetes.io/ingress.class: Invalid value: \"traefik\": must match `ingressClassName` when "
            "both are specified"});
  // The class annotation must agree with the field on create only.
  auto classed = [&](const char* annotation) {
    return ingress(
        "  ingressClassName: nginx\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n",
        std::string("{name: i, annotations: {kubernetes.io/ingress.class: ") + annotation + "}}");
  };
  CHECK(update_failures(classed("nginx"), classed("traefik")).empty());
  CHECK_NOTHROW(admit(ingress("  rules:\n  - host: '*.example.com'\n    http:\n      paths:\n"
                              "      - {pathType: ImplementationSpecific, backend: {service: {name: web, port: {name: "
                              "http}}}}\n  tls: [{hosts: ['*.example.com']}]\n")));
}

TEST_CASE("volumes and claims are checked as Kubernetes checks them and a volume's source stays as created",
          "[apiserver][kinds]") {
  auto volume = [](const std::string& spec) {
    return "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec:\n  accessModes: [ReadWriteOnce]\n" + spec;
  };
  CHECK(failing_fields(volume("  capacity: {storage: '0', cpu: '1'}\n  storageClassName: Bad_Class\n"
                              "  mountOptions: [hard]\n  hostPath: {path: /a/../b}\n")) ==
        std::vector<std::string>{
            "spec.capacity: Unsupported value: core.ResourceList{\"cpu\":\"1\", \"storage\":\"0\"}: supported values: "
            "\"storage\"",
            "spec.capacity[storage]: Invalid value: \"0\": must be greater than zero",
            "spec.storageClassName: Invalid value: \"Bad_Class\": a lowercase RFC 1123 subdomain must consist of lower "
            "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"});  // mount options are the
                                                                                   // annotation's to refuse
  CHECK(failing_fields(volume("  capacity: {storage: 1Gi}\n  local: {path: data}\n")) ==
        std::vector<std::string>{"spec.nodeAffinity: Required value: Local volume requires node affinity",
                                 "spec.local.path: Invalid value: \"data\": must be an absolute path"});
  CHECK_NOTHROW(admit(volume("  capacity: {storage: 1Gi}\n  mountOptions: [hard]\n  nfs: {server: nfs.local, path: /x}\n")));
  CHECK(failing_fields("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n"
                       "  storageClassName: Bad_Class\n  resources: {requests: {storage: '0'}}\n"
                       "  selector: {matchExpressions: [{key: a, operator: In}]}\n") ==
        std::vector<std::string>{
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.selector.matchExpressions[0].values: Required value: must be specified when "
            "`operator` is "
            "'In' or 'NotIn'",
            "spec.resources[storage]: Invalid value: \"0\": must be greater than zero",
            "spec.storageClassName: Invalid value: \"Bad_Class\": a lowercase RFC 1123 subdomain "
            "must consist of lower "
            "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"});
  auto before = volume("  capacity: {storage: 1Gi}\n  hostPath: {path: /data}\n");
  CHECK(update_failures(before, volume("  capacity: {storage: 2Gi}\n  hostPath: {path: /data}\n")).empty());
  CHECK(update_failures(before, volume("  capacity: {storage: 1Gi}\n  volumeMode: Block\n  hostPath: {path: /other}\n")) ==
        std::vector<std::string>{
            "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation",
            "volumeMode: Invalid value: \"Block\": field is immutable"});
}

TEST_CASE("events name their object's namespace and namespaces' finalizers are qualified names", "[apiserver][kinds]") {
  auto event = [](const std::string& ns, const std::string& involved_ns, const std::string& extra = "") {
    return "apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: " + ns +
           "}\ninvolvedObject: {kind: Pod, name: p, namespace: " + involved_ns + "}\nreason: R\n" + extra;
  };
  CHECK_NOTHROW(admit(event("default", "default")));
  CHECK_NOTHROW(admit(event("default", "''")));  // a cluster-scoped object's
  CHECK(failing_fields(event("default", "kube-system")) ==
        std::vector<std::string>{"involvedObject.namespace: Invalid value: \"kube-system\": does not match event.namespace"});
  CHECK(failing_fields(event("default", "default", "eventTime: '2026-01-01T00:00:00.000000Z'\n")) ==
        std::vector<std::string>{
            "reportingComponent: Required value",
            "reportingComponent: Invalid value: \"\": name part must be non-empty",
            "reportingComponent: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or "
            "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "reportingInstance: Required value", "action: Required value"});
  CHECK_NOTHROW(admit(event("default", "default",
                            "eventTime: '2026-01-01T00:00:00.000000Z'\nreportingComponent: my-controller\n"
                            "reportingInstance: my-controller-x\naction: Reconcile\n")));

  CHECK(failing_fields("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\nspec: {finalizers: [kubernetes, "
                       "example.com/cleanup, 'Bad Fin']}\n") ==
        std::vector<std::string>{
            "spec.finalizers: Invalid value: \"Bad Fin\": name part must consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.finalizers: Invalid value: \"Bad Fin\": name is neither a standard finalizer name nor is it fully "
            "qualified"});
}

TEST_CASE("fields of newer Kubernetes manifests are taken and checked", "[apiserver][kinds]") {
  // A pod's os, hostname as FQDN; hostUsers is dropped, as Kubernetes drops it with its feature off.
  auto pod = admit(pod_spec("os: {name: linux}\n  setHostnameAsFQDN: true\n  hostUsers: false\n"
                            "  containers: [{name: c, image: i}]"));
  auto yaml = codec::to_yaml(codec::encode_object(pod, *kinds().find("v1", "Pod")));
  CHECK_THAT(yaml, Catch::Contains("os:\n    name: linux"));
  CHECK_THAT(yaml, Catch::Contains("setHostnameAsFQDN: true"));
  CHECK_THAT(yaml, !Catch::Contains("hostUsers"));
  CHECK(failing_fields(pod_spec("os: {name: plan9}\n  containers: [{name: c, image: i}]")) ==
        std::vector<std::string>{"spec.os: Unsupported value: \"plan9\": supported values: \"linux\", \"windows\""});
  // A CSI volume, a claim's dataSourceRef (mirrored into dataSource), a Service's traffic distribution.
  CHECK_NOTHROW(admit("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec:\n  accessModes: [ReadWriteOnce]\n"
                      "  capacity: {storage: 1Gi}\n  csi: {driver: ebs.csi.aws.com, volumeHandle: vol-1, "
                      "volumeAttributes: {a: b}}\n"));
  CHECK(failing_fields("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec:\n  accessModes: [ReadWriteOnce]\n"
                       "  capacity: {storage: 1Gi}\n  csi: {driver: Bad_Driver, nodePublishSecretRef: {name: s}}\n") ==
        std::vector<std::string>{
            "spec.csi.driver: Invalid value: \"Bad_Driver\": a lowercase RFC 1123 subdomain must consist of lower case "
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.csi.volumeHandle: Required value", "spec.csi.nodePublishSecretRef.namespace: Required value"});
  auto claim = admit("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n"
                     "  resources: {requests: {storage: 1Gi}}\n  dataSourceRef: {kind: PersistentVolumeClaim, name: src}\n");
  auto claim_yaml = codec::to_yaml(codec::encode_object(claim, *kinds().find("v1", "PersistentVolumeClaim")));
  CHECK_THAT(claim_yaml, Catch::Contains("dataSource:\n    kind: PersistentVolumeClaim\n    name: src"));
  CHECK(failing_fields("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n"
                       "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
                       "  dataSource: {kind: PersistentVolumeClaim, name: a}\n  dataSourceRef: {kind: Widget, name: a}\n") ==
        std::vector<std::string>{
            "spec.dataSourceRef: Invalid value: \"Widget\": must be 'PersistentVolumeClaim' when referencing the default "
            "apiGroup",
            "spec: Invalid value: \"spec.dataSource\": must match dataSourceRef"});
  auto old_way = admit("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n"
                       "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
                       "  dataSource: {kind: PersistentVolumeClaim, name: src}\n");
  CHECK_THAT(codec::to_yaml(codec::encode_object(old_way, *kinds().find("v1", "PersistentVolumeClaim"))),
             Catch::Contains("dataSourceRef:\n    kind: PersistentVolumeClaim\n    name: src"));
  // A dataSource Kubernetes cannot populate from is dropped, not refused; so is a namespaced ref.
  auto dropped = admit("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n"
                       "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
                       "  dataSource: {kind: Widget, name: w}\n");
  CHECK_THAT(codec::to_yaml(codec::encode_object(dropped, *kinds().find("v1", "PersistentVolumeClaim"))),
             !Catch::Contains("dataSource"));
  // A CSI volume's source is fixed but for a controllerExpandSecretRef it gains.
  auto csi = [](const std::string& extra) {
    return "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec:\n  accessModes: [ReadWriteOnce]\n"
           "  capacity: {storage: 1Gi}\n  csi: {driver: d.example.com, volumeHandle: h, nodeStageSecretRef: {name: s}" +
           extra + "}\n";
  };
  CHECK(update_failures(csi(""), csi(", controllerExpandSecretRef: {name: s, namespace: n}")).empty());
  CHECK(update_failures(csi(""), csi(", volumeAttributes: {a: b}")) ==
        std::vector<std::string>{
            "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"});
  CHECK_NOTHROW(admit("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                      "spec: {trafficDistribution: PreferClose, ports: [{port: 80}]}\n"));
  CHECK(failing_fields("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                       "spec: {trafficDistribution: Nearby, ports: [{port: 80}]}\n") ==
        std::vector<std::string>{"spec.trafficDistribution: Unsupported value: \"Nearby\": supported values: \"PreferClose\""});
}

TEST_CASE("a bootstrap role is reconciled by coverage as Kubernetes' reconciliation does",
          "[apiserver][rbac]") {
  auto role = [](const std::string& rules) {
    return decoded(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: "
        "r}\nrules: " +
        rules + "\n");
  };
  auto want = role(
      "[{apiGroups: [''], resources: [pods, pods/log], verbs: [get, list]}, "
      "{nonResourceURLs: [/healthz], verbs: [get]}]");
  // Rules merged, widened or given by wildcards cover it: nothing to add.
  for (auto covering :
       {"[{apiGroups: [''], resources: [pods, pods/log, services], verbs: [get, list, watch]}, "
        "{nonResourceURLs: ['/health*'], verbs: [get]}]",
        "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {nonResourceURLs: ['*'], verbs: "
        "['*']}]",
        "[{apiGroups: [''], resources: [pods, 'pods/*'], verbs: [get, list]}, {nonResourceURLs: "
        "[/healthz], verbs: [get]}]"}) {
    INFO(covering);
    CHECK_FALSE(reconciled_bootstrap_object(role(covering), want, "ClusterRole"));
  }
  // What is not covered comes back one permission a rule; what was there stays.
  auto partial = role(
      "[{apiGroups: [''], resources: [pods], verbs: [get, list], resourceNames: [one]}, "
      "{apiGroups: [''], resources: [pods, pods/log], verbs: [get]}]");
  auto fixed = reconciled_bootstrap_object(partial, want, "ClusterRole");
  REQUIRE(fixed);
  object_reader r(*fixed);
  std::vector<std::string> rules;
  for (auto rule : r.as<k8s::ClusterRole>().getRules()) {
    std::string text;
    for (auto list : {rule.getVerbs(), rule.getApiGroups(), rule.getResources(),
                      rule.getResourceNames(), rule.getNonResourceURLs()}) {
      std::string part;
      for (auto t : list) part += (part.empty() ? "" : ",") + text_string(t);
      text += part + ";";
    }
    rules.push_back(text);
  }
  CHECK(rules == std::vector<std::string>{"get,list;;pods;one;;", "get;;pods,pods/log;;;",
                                          "list;;pods;;;", "list;;pods/log;;;",
                                          "get;;;;/healthz;"});
}
