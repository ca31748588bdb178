// What each CLI flag does, for `troupe VERB --help`: kubectl's wording where troupe does what
// kubectl does, and troupe's own where it differs (a flag kept for kubectl's scripts that
// changes nothing here says so).

#include <map>

#include "runtime/cli/help.hpp"

namespace troupe::cli {

const std::map<std::string, flag_help>& flag_helps() {
  // Keys are "flag" or, where a verb gives a flag its own meaning or default, "verb/flag".
  // An empty default shows as '' for a flag with a value and false for a switch.
  static const std::map<std::string, flag_help> table = {
      // Global flags.
      {"server",
       {"",
        "The address (HOST:PORT) of the troupe API server; overrides $TROUPE_SERVER and "
        "the client config."}},
      {"client-config",
       {"",
        "The client config file to read (default $TROUPE_CONFIG, else "
        "~/.troupe/config, which `troupe server` writes)."}},
      {"namespace", {"", "If present, the namespace scope for this CLI request."}},
      {"context",
       {"",
        "The name of the client config context to use; troupe's client config has one, "
        "\"troupe\"."}},
      {"help", {"", "Help for the command: what it does, examples, its flags."}},
      {"request-timeout",
       {"0",
        "The length of time to wait before giving up on a single server request. Non-zero values "
        "should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't "
        "timeout requests; a watch ends quietly when it runs out."}},

      // Flags many verbs share.
      {"all-namespaces",
       {"",
        "If present, list the requested object(s) across all namespaces. "
        "Namespace in current context is ignored even if specified with "
        "--namespace."}},
      {"selector",
       {"",
        "Selector (label query) to filter on, supports '=', '==', '!=', 'in', "
        "'notin' and 'exists' (e.g. -l key1=value1,key2=value2)."}},
      {"all", {"", "Select all resources of the given types in the namespace."}},
      {"create-annotation",
       {"",
        "(apply set-last-applied) Create the last-applied record on objects that do not "
        "have one yet."}},
      {"filename",
       {"[]",
        "Files, directories or '-' (stdin) holding the manifests (YAML or JSON, "
        "several documents each). Repeatable."}},
      {"recursive", {"", "Process the directories given with -f recursively."}},
      {"output",
       {"",
        "Output format for the objects written. One of: json, yaml, name, "
        "jsonpath=..., jsonpath-as-json=..., jsonpath-file=..., go-template=..., "
        "go-template-file=..."}},
      {"get/output",
       {"",
        "Output format. One of: json, yaml, name, wide, jsonpath=..., "
        "jsonpath-as-json=..., jsonpath-file=..., go-template=..., "
        "go-template-file=..., custom-columns=..., custom-columns-file=..."}},
      {"explain/output",
       {"'plaintext'",
        "Format in which to render the schema. Valid values are: (plaintext, "
        "plaintext-openapiv2)."}},
      {"no-headers",
       {"",
        "When using the default or custom-column output format, don't print "
        "headers."}},
      {"ignore-not-found",
       {"",
        "If the requested object does not exist the command will return "
        "exit code 0."}},
      {"dry-run",
       {"'none'",
        "Must be \"none\", \"server\", or \"client\". client: only print the "
        "object that would be sent. server: the server checks the request "
        "fully and stores nothing. --dry-run alone is client."}},
      {"validate",
       {"'strict'",
        "Must be \"strict\" (or true), \"warn\" or \"ignore\" (or false). "
        "Accepted for kubectl's scripts: the server validates every "
        "object it is sent."}},
      {"overwrite",
       {"",
        "If true, allow labels (annotations) to be overwritten, otherwise reject "
        "updates that overwrite existing ones."}},
      {"list",
       {"", "If true, display the labels (annotations, environment) of the given objects."}},
      {"resource-version",
       {"",
        "If non-empty, the update succeeds only if this is the object's "
        "current resourceVersion. Only valid with a single object."}},
      {"sort-by",
       {"",
        "Sort list types using this field specification, a JSONPath expression "
        "(e.g. '{.metadata.name}' or .status.startTime)."}},
      {"template", {"", "The template for -o go-template=... or jsonpath=..., when given apart."}},
      {"force",
       {"",
        "If true, immediately remove the objects and bypass graceful deletion (the "
        "grace period becomes 0): the node may still be stopping a pod after it "
        "is gone."}},
      {"grace-period",
       {"-1",
        "Seconds given to the resource to terminate gracefully. -1 uses the "
        "object's own; 0 only with --force (else it becomes 1)."}},
      {"containers",
       {"'*'",
        "The names of containers in the selected pod templates to change; "
        "may use wildcards."}},
      {"container",
       {"",
        "The container in the pod (default: the one in "
        "kubectl.kubernetes.io/default-container, else the first)."}},
      {"image",
       {"",
        "The container image to run (troupe runs the command on the node: the "
        "image is recorded, not pulled)."}},
      {"port", {"", "The port the container exposes."}},
      {"type", {"", "The type of the object made (Service type, Secret type)."}},
      {"restart", {"'Always'", "The restart policy for this pod: Always, OnFailure or Never."}},
      {"labels", {"", "Comma-separated labels to apply to the pod; they replace run=NAME."}},
      {"expose/labels",
       {"", "Labels to apply to the service created by this call (else the exposed object's)."}},
      {"session-affinity",
       {"",
        "If non-empty, set the session affinity for the service to this; legal values: 'None', "
        "'ClientIP'"}},
      {"load-balancer-ip",
       {"",
        "IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used "
        "(cloud-provider "
        "specific)."}},
      {"annotations", {"[]", "Annotations to apply to the pod (KEY=VALUE). Repeatable."}},
      {"env", {"[]", "Environment variables to set in the container (KEY=VALUE). Repeatable."}},
      {"stdin", {"", "Pass stdin to the container."}},
      {"tty", {"", "Stdin is a TTY."}},
      {"for", {"", "The condition to wait on."}},
      {"timeout", {"", "How long to wait before giving up (e.g. 30s, 5m, 1h)."}},
      {"name", {"", "The name of the object made."}},
      {"protocol", {"", "The network protocol for the service (TCP, UDP or SCTP)."}},
      {"target-port",
       {"",
        "The port on the pods that the service directs traffic to "
        "(default: the same as --port)."}},
      {"cluster-ip",
       {"",
        "ClusterIP to assign to the service; leave empty to auto-allocate, "
        "'None' for a headless service."}},
      {"external-ip",
       {"",
        "An additional external IP address (not managed by troupe) to accept "
        "for the service."}},

      // get
      {"pod-running-timeout",
       {"20s",
        "The length of time (like 5s, 2m, or 3h) to wait until at least one pod is there, when "
        "TYPE/NAME (a workload or a Service) has none yet."}},
      {"show-managed-fields",
       {"",
        "If true, keep the managedFields when printing objects in JSON or YAML format. troupe "
        "keeps no managedFields, so there are none to print either way."}},
      {"raw",
       {"",
        "Raw URI to request from the server: a path of the Kubernetes REST API (/api/v1/pods, "
        "/apis/apps/v1/namespaces/default/deployments/web, /version, /healthz, ...), printed as "
        "the server's JSON; ?watch=true streams its events."}},
      {"chunk-size",
       {"500",
        "kubectl returns large lists in chunks of this many; troupe's server sends a list in "
        "one answer, so any size (0 too) gives the same output."}},
      {"edit/output", {"'yaml'", "The format the objects are edited in: yaml or json."}},
      {"delete/output", {"", "Output mode. Use \"-o name\" for shorter output (resource/name)."}},
      {"delete/timeout",
       {"0s",
        "The length of time to wait before giving up on a delete, zero means a week. Any "
        "other value is a duration (30s, 5m, 1h)."}},
      {"subresource",
       {"",
        "If specified, the command reads or writes the object through that subresource: "
        "status (the object's status; the server keeps the rest). troupe serves status; "
        "kubectl's scale is the scale command here."}},
      {"field-selector",
       {"",
        "Selector (field query) to filter on, supports '=', '==', and '!=' "
        "(e.g. --field-selector key1=value1,key2=value2)."}},
      {"watch", {"", "After listing/getting the requested objects, watch for changes."}},
      {"watch-only",
       {"",
        "Watch for changes to the requested objects, without listing/getting "
        "first."}},
      {"output-watch-events",
       {"",
        "Output watch event objects when --watch or --watch-only is "
        "used."}},
      {"show-labels", {"", "When printing, show all labels as the last column."}},
      {"show-kind", {"", "If present, list the resource type for the requested object(s)."}},
      {"label-columns",
       {"[]",
        "Comma-separated labels to show as columns, each its own column. "
        "Repeatable."}},
      {"get/timeout",
       {"",
        "With --watch, stop watching after this long (e.g. 30s); by default "
        "the watch goes on until interrupted."}},
      {"get/filename", {"[]", "Files, directories or '-' naming the objects to get. Repeatable."}},

      // create, run, expose
      {"save-config",
       {"",
        "If true, the object's configuration is saved in its "
        "kubectl.kubernetes.io/last-applied-configuration annotation, so a "
        "later apply merges with it."}},
      {"from-literal",
       {"[]",
        "(configmap, secret generic) A key and literal value to insert "
        "(i.e. mykey=somevalue). Repeatable."}},
      {"from-file",
       {"[]",
        "(configmap, secret generic) A file (key: its base name, or KEY=PATH) "
        "or a directory of files to insert. Repeatable."}},
      {"from-env-file",
       {"[]",
        "(configmap, secret generic) A file of KEY=VALUE lines to insert (a bare KEY takes its "
        "value from the environment). Repeatable; not with --from-file or --from-literal."}},
      {"create/image", {"[]", "(deployment, job, cronjob) The image for the container to run."}},
      {"replicas", {"1", "(deployment) The number of replicas to create."}},
      {"create/port", {"-1", "(deployment) The containerPort the container exposes."}},
      {"create/type", {"", "(secret generic) The Secret type (default Opaque)."}},
      {"tcp", {"[]", "(service) Port pairs PORT[:TARGET_PORT]. Repeatable and comma-separated."}},
      {"node-port",
       {"",
        "(service nodeport) The port to open on every node; by default one is "
        "allocated."}},
      {"clusterip",
       {"",
        "(service clusterip) Assign your own ClusterIP, or 'None' for a headless "
        "service."}},
      {"external-name",
       {"",
        "(service externalname) The external DNS name the service points "
        "to."}},
      {"schedule", {"", "(cronjob) A schedule in the Cron format the job should be run with."}},
      {"rule",
       {"[]",
        "(ingress) Rule in format host/path=service:port[,tls=secretname]. Paths containing the "
        "leading "
        "character '*' are considered pathType=Prefix. tls argument is optional."}},
      {"class", {"", "(ingress) Ingress Class to be used"}},
      {"default-backend", {"", "(ingress) Default service for backend, in format of svcname:port"}},
      {"annotation",
       {"[]",
        "(ingress) Annotation to insert in the ingress object, in the format annotation=value"}},
      {"create/restart",
       {"'OnFailure'",
        "(job, cronjob) The job's restart policy: OnFailure or "
        "Never."}},
      {"from", {"", "(job) The name of the resource to create a Job from (only cronjob/NAME)."}},
      {"verb",
       {"[]",
        "(role, clusterrole) Verbs that apply to the resources in the rule. "
        "Repeatable."}},
      {"resource", {"[]", "(role, clusterrole) Resources the rule applies to. Repeatable."}},
      {"resource-name",
       {"[]",
        "(role, clusterrole) Resources in the white list that the rule "
        "applies to. Repeatable."}},
      {"non-resource-url",
       {"[]",
        "(clusterrole) A partial url that users should have access to. "
        "Repeatable."}},
      {"aggregation-rule",
       {"<comma-separated 'key=value' pairs>",
        "(clusterrole) An aggregation label selector for combining ClusterRoles."}},
      {"value", {"0", "(priorityclass) The value of this priority class."}},
      {"global-default",
       {"false",
        "(priorityclass) Whether this PriorityClass should be considered as the default "
        "priority."}},
      {"description",
       {"",
        "(priorityclass) An arbitrary string, usually guidelines on when this priority class "
        "should be used."}},
      {"preemption-policy",
       {"'PreemptLowerPriority'",
        "(priorityclass) The policy for preempting pods with lower priority."}},
      {"role", {"", "(rolebinding) The Role this RoleBinding refers to."}},
      {"clusterrole",
       {"",
        "(rolebinding, clusterrolebinding) The ClusterRole this binding refers "
        "to."}},
      {"user",
       {"[]",
        "(rolebinding, clusterrolebinding) Usernames to bind to the role. "
        "Repeatable."}},
      {"group",
       {"[]",
        "(rolebinding, clusterrolebinding) Groups to bind to the role. "
        "Repeatable."}},
      {"serviceaccount",
       {"[]",
        "(rolebinding, clusterrolebinding) Service accounts to bind to the "
        "role, in the format NAMESPACE:NAME. Repeatable."}},
      {"cert", {"", "(secret tls) Path to PEM encoded public key certificate."}},
      {"key", {"", "(secret tls) Path to private key associated with given certificate."}},
      {"docker-server",
       {"'https://index.docker.io/v1/'",
        "(secret docker-registry) Server location "
        "for Docker registry."}},
      {"docker-username",
       {"",
        "(secret docker-registry) Username for Docker registry "
        "authentication."}},
      {"docker-password",
       {"",
        "(secret docker-registry) Password for Docker registry "
        "authentication."}},
      {"docker-email", {"", "(secret docker-registry) Email for Docker registry."}},
      {"image-pull-policy",
       {"",
        "The image pull policy for the container: Always, IfNotPresent "
        "or Never."}},
      {"overrides",
       {"",
        "An inline JSON override for the generated object, merged into it "
        "(e.g. '{\"spec\":{\"nodeName\":\"n1\"}}')."}},
      {"command",
       {"",
        "If true and extra arguments are present, use them as the 'command' field "
        "in the container, rather than the 'args' field which is the default."}},
      {"expose",
       {"",
        "If true, create a ClusterIP service with the same name as the pod, on "
        "--port."}},
      {"attach", {"", "Not supported: troupe does not attach to pods (use logs or exec)."}},
      {"rm",
       {"",
        "Not supported: troupe does not attach to pods, so there is no session to "
        "end."}},
      {"run/stdin", {"", "Not supported: troupe does not attach to pods (use logs or exec)."}},
      {"run/tty", {"", "Not supported: troupe does not attach to pods (use logs or exec)."}},
      {"expose/port",
       {"",
        "The port that the service should serve on (default: the object's "
        "first port)."}},
      {"expose/type",
       {"'ClusterIP'",
        "Type for this service: ClusterIP, NodePort, LoadBalancer or "
        "ExternalName."}},
      {"expose/selector",
       {"",
        "A label selector to use for this service (default: the object's "
        "own)."}},
      {"expose/name", {"", "The name for the service (default: the object's name)."}},

      // replace, delete
      {"replace/force",
       {"",
        "If true, delete and re-create the objects instead of updating "
        "them."}},
      {"cascade",
       {"'background'",
        "Must be \"background\", \"orphan\", or \"foreground\": how the "
        "objects' dependents go (--cascade=VALUE)."}},
      {"now",
       {"",
        "If true, resources are signaled for immediate shutdown (same as "
        "--grace-period=1)."}},
      {"wait",
       {"",
        "If true, wait for resources to be gone before returning (--wait=false not "
        "to)."}},
      {"delete/wait",
       {"true",
        "If true, wait for resources to be gone before returning. This "
        "waits for finalizers and graceful pod deletion."}},

      // patch, scale, set, wait
      {"patch", {"", "The patch to be applied to the resource JSON file."}},
      {"patch-file", {"", "A file containing a patch to be applied to the resource."}},
      {"patch/type",
       {"'strategic'",
        "The type of patch being provided; one of [json merge "
        "strategic]."}},
      {"current-replicas",
       {"-1",
        "Precondition for current size. Requires that the current size "
        "of the resource match this value in order to scale. -1 (default) "
        "for no condition."}},
      {"scale/replicas", {"", "The new desired number of replicas. Required."}},
      {"wait/for",
       {"",
        "The condition to wait on: [create|delete|condition=condition-name[=value]|"
        "jsonpath='{JSONPath expression}'=[JSONPath value]]."}},
      {"wait/timeout",
       {"30s",
        "The length of time to wait before giving up. Zero means check "
        "once and don't wait, negative means wait for a week."}},

      // api-resources, version, config, explain
      {"namespaced",
       {"",
        "If false, non-namespaced resources will be returned, otherwise "
        "returning namespaced resources (by default all)."}},
      {"api-group", {"", "Limit to resources in the specified API group."}},
      {"verbs", {"[]", "Limit to resources that support the specified verbs (comma-separated)."}},
      {"categories",
       {"[]", "Limit to resources that belong to the specified categories (comma-separated)."}},
      {"cached",
       {"false",
        "Use the cached list of resources if available. troupe's CLI knows its resources itself, "
        "so the list is "
        "the same either way."}},
      {"api-resources/sort-by",
       {"",
        "If non-empty, sort list of resources using specified field: "
        "'name' or 'kind'."}},
      {"api-resources/output", {"", "Output format. One of: wide, name."}},
      {"client", {"", "If true, shows client version only (no server required)."}},
      {"version/output", {"", "One of 'yaml' or 'json'."}},
      {"config/output",
       {"'yaml'",
        "(view) Output format: yaml, json or jsonpath=...; "
        "(get-contexts) name."}},
      {"current", {"", "(set-context) Modify the current context."}},
      {"minify",
       {"",
        "(view) Only the current context's information; troupe's client config "
        "holds only that."}},
      {"explain/recursive", {"", "Print the fields of fields, all the way down."}},
      {"api-version",
       {"",
        "Accepted for kubectl's scripts: troupe serves one version of each "
        "kind."}},
      {"explain/output",
       {"'plaintext'", "plaintext or plaintext-openapiv2, which troupe renders alike."}},

      // logs, exec, cp
      {"follow", {"", "Specify if the logs should be streamed."}},
      {"previous",
       {"",
        "If true, print the logs for the previous instance of the container in a "
        "pod if it exists."}},
      {"tail",
       {"-1",
        "Lines of recent log file to display. Defaults to -1 (all) with no "
        "selector, 10 with a selector."}},
      {"since",
       {"0s",
        "Only return logs newer than a relative duration like 5s, 2m, or 3h. "
        "Only one of since-time / since may be used."}},
      {"since-time",
       {"",
        "Only return logs after a specific date (RFC3339). Only one of "
        "since-time / since may be used."}},
      {"limit-bytes", {"0", "Maximum bytes of logs to return. Defaults to no limit."}},
      {"timestamps", {"", "Include timestamps on each line in the log output."}},
      {"all-containers", {"", "Get all containers' logs in the pod(s)."}},
      {"prefix", {"", "Prefix each log line with the log source (pod name and container name)."}},
      {"max-log-requests",
       {"5",
        "Accepted for kubectl's scripts: troupe follows every selected "
        "pod's logs, without this limit."}},
      {"quiet", {"", "Only print output from the remote session."}},
      {"exec/stdin",
       {"",
        "Pass stdin to the container: the command reads it up to end of file "
        "(at most 32 MiB)."}},
      {"exec/tty",
       {"",
        "Not supported when stdin is a terminal: troupe exec runs the command to "
        "completion and returns its output."}},
      {"exec/timeout", {"1m", "How long the command may run before the node kills it."}},
      {"no-preserve",
       {"",
        "The copied file/directory's ownership and permissions will not be "
        "preserved in the container."}},

      // events
      {"events/for",
       {"",
        "Filter events to only those pertaining to the specified resource "
        "(TYPE/NAME)."}},
      {"types",
       {"[]",
        "Output only events of given types (Normal, Warning). Repeatable and "
        "comma-separated."}},
      {"events/watch", {"", "After listing the requested events, watch for more events."}},
      {"events/output",
       {"",
        "Output format. One of: json, yaml, name, go-template=..., "
        "jsonpath=..."}},

      // cordon, drain, taint, token
      {"pod-selector", {"", "Label selector to filter pods on the node."}},
      {"ignore-daemonsets", {"", "Ignore DaemonSet-managed pods."}},
      {"delete-emptydir-data",
       {"",
        "Continue even if there are pods using emptyDir (local data "
        "that will be deleted when the node is drained)."}},
      {"drain/force", {"", "Continue even if there are pods that do not declare a controller."}},
      {"drain/timeout", {"0s", "The length of time to wait before giving up, zero means infinite"}},
      {"drain/grace-period",
       {"-1",
        "Period of time in seconds given to each pod to terminate "
        "gracefully. If negative, the default value specified in the "
        "pod will be used."}},
      {"taint/all", {"", "Select all nodes in the cluster."}},
      {"ttl",
       {"24h0m0s",
        "The duration before the token expires and joins no node (e.g. 1s, 2m, 3h). If set "
        "to '0', the token will never expire"}},
      {"description",
       {"'made by troupe token create'",
        "A human friendly description of how "
        "this token is used."}},
  };
  return table;
}

}  // namespace troupe::cli
