@0xd6b0e35ddee2f4ec;
# The RPC API of `troupe server`. Objects travel as Cap'n Proto structs of the kind schemas
# (core.capnp, apps.capnp, ...) in AnyPointer fields; `resource` names the kind the way the
# store does ("pods", "deployments.apps").

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("troupe::rpc");

struct Cause {
  field @0 :Text;    # "spec.replicas"
  message @1 :Text;
}

# Why a call failed. `reason` is Kubernetes' StatusReason: NotFound, AlreadyExists, Conflict,
# Invalid, Forbidden, Gone, BadRequest, Internal, ...; empty on success.
struct Status {
  reason @0 :Text;
  message @1 :Text;
  causes @2 :List(Cause);
}

struct Item {
  object @0 :AnyPointer;
}

struct Request {
  resource @0 :Text;
  namespace @1 :Text;       # "" for cluster-scoped kinds, or every namespace (list/watch)
  name @2 :Text;
  object @3 :AnyPointer;    # create/update/updateStatus
  labelSelector @4 :Text;
  fieldSelector @5 :Text;
  resourceVersion @6 :UInt64;  # delete: precondition; watch: start after it (0 = now)
  dryRun @7 :Bool;          # validate and default, store nothing
  allowWatchBookmarks @8 :Bool;  # watch: periodic bookmark events carrying the revision
  patchType @9 :PatchType;  # patch: how `patch` applies
  patch @10 :Text;          # patch: a JSON document
  gracePeriodSeconds @11 :Int64 = -1;  # delete: seconds a pod's node gets to stop it; -1: default
  propagationPolicy @12 :PropagationPolicy;  # delete: what happens to the object's dependents
  limit @13 :UInt32;        # list: at most this many items (0: as many as one answer carries)
  continueToken @14 :Text;  # list: the continueToken of the page before
}

enum PropagationPolicy {
  background @0;  # the object goes now; the garbage collector deletes its dependents after
  foreground @1;  # the object stays (finalizer foregroundDeletion) until its dependents are gone
  orphan @2;      # the object stays (finalizer orphan) until its dependents no longer name it
  unset @3;       # none asked for: a policy finalizer the object carries decides (as Kubernetes)
}

enum PatchType {
  merge @0;       # RFC 7386 JSON merge patch: maps merge, lists and scalars replace
  strategic @1;   # as merge, but lists of named items (containers, ports, env) merge by key
  json @2;        # RFC 6902 JSON patch: a list of add/remove/replace/move/copy/test operations
}

struct Result {
  status @0 :Status;
  object @1 :AnyPointer;    # the object as stored (create, get, update, delete)
  items @2 :List(Item);     # list
  revision @3 :UInt64;      # list: the revision the items were read at
  continueToken @4 :Text;   # list: more items follow; ask again with this to get them
}

enum EventType {
  added @0;
  modified @1;
  deleted @2;
  bookmark @3;
}

# The client's side of a watch: the server streams events into it, waiting for each call's
# return before it sends more than the connection's window (flow control).
interface WatchSink {
  event @0 (type :EventType, revision :UInt64, object :AnyPointer) -> stream;
  # The watch ended on the server's side (Gone, TooManyRequests, shutdown).
  end @1 (status :Status);
}

# Dropping it (or disconnecting) ends the watch.
interface WatchHandle {}

struct ExecRequest {
  namespace @0 :Text;
  pod @1 :Text;
  container @2 :Text;       # "" = the pod's first container
  command @3 :List(Text);
  timeoutMs @4 :Int64 = 60000;
  withStdin @5 :Bool;       # `exec -i`: the command reads `stdin`, then end of file
  stdin @6 :Data;
}

struct LogsRequest {
  namespace @0 :Text;
  pod @1 :Text;
  container @2 :Text;
  previous @3 :Bool;        # the instance before the current one
  tail @4 :Int64 = -1;      # last N lines; -1 all
  sinceSeconds @5 :Int64;   # 0 all
  timestamps @6 :Bool;
  offset @7 :UInt64;        # follow: continue from here
}

interface Api {
  create @0 (request :Request) -> (result :Result);
  get @1 (request :Request) -> (result :Result);
  list @2 (request :Request) -> (result :Result);
  update @3 (request :Request) -> (result :Result);
  updateStatus @4 (request :Request) -> (result :Result);
  delete @5 (request :Request) -> (result :Result);
  watch @6 (request :Request, sink :WatchSink) -> (status :Status, handle :WatchHandle);
  version @7 () -> (version :Text);
  patch @8 (request :Request) -> (result :Result);
  # Runs a command in a container's environment on its node (not interactive).
  exec @9 (request :ExecRequest) -> (status :Status, exitCode :Int32, stdout :Data, stderr :Data);
  # A container's log; `running` says whether a follower should ask again from `offset`.
  logs @10 (request :LogsRequest) -> (status :Status, text :Data, offset :UInt64, running :Bool);
}
