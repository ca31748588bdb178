#include "actors/kubelet/kubelet.hpp"

#include <signal.h>

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "actors/kubelet/pod_worker.hpp"
#include "actors/kubelet/state.hpp"
#include "runtime/base/text.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/launcher.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using namespace troupe::kubelet;

using relist_atom = caf::atom_constant<caf::atom("relist")>;
using respawn_atom = caf::atom_constant<caf::atom("respawn")>;
using rescan_atom = caf::atom_constant<caf::atom("rescan")>;

constexpr auto call_patience = std::chrono::seconds(30);
constexpr const char* mirror_annotation = "kubernetes.io/config.mirror";

using impl_actor = kubelet_actor::extend_with<pod_owner_actor>::extend<
    caf::reacts_to<watch_event_atom, watch_event>,
    caf::reacts_to<watch_end_atom, uint64_t, caf::error>, caf::reacts_to<relist_atom, uint64_t>,
    caf::reacts_to<respawn_atom, std::string>, caf::reacts_to<rescan_atom>>;

struct pod_entry {
  pod_worker_actor worker;
  std::string ns, name;
  std::string mirror;  ///< static pods: the mirror pod's name
  bool gone = false;   ///< the API object is gone (or never was, for static pods)
  std::string ip;
  pod_bytes object;           ///< the pod as last seen (or its manifest), for a worker's successor
  bool worker_ended = false;  ///< the worker ended on its own; a successor is due
  int successors = 0;         ///< workers started after one ended, for the backoff
  std::chrono::steady_clock::time_point worker_since = std::chrono::steady_clock::now();
};

struct kubelet_state {
  std::shared_ptr<const kubelet_deps> deps;
  resource_actor api;
  store_actor store;
  uint64_t connection = 0;
  uint64_t received = 0;  // watch events on the current connection, for acks
  std::map<std::string, pod_entry> pods;  // by uid
  std::set<std::string> used_ips;
  std::map<std::string, pod_record> records;  // left by an earlier agent, not yet claimed
  std::map<std::string, std::string> static_pods;  // uid -> manifest (flat-array Pod)
  ipv4_range cidr;
  static inline const char* name = "kubelet";
};

using self_ptr = impl_actor::stateful_pointer<kubelet_state>;

// An adopted pod keeps the address its processes run with (its record's, reserved since the
// records were read); any other pod gets a free one.
std::string allocate_ip(self_ptr self, const std::optional<pod_record>& adopted) {
  auto& st = self->state;
  if (adopted && !adopted->ip.empty()) {
    st.used_ips.insert(adopted->ip);
    return adopted->ip;
  }
  auto ip = allocate_pod_ip(st.cidr, st.used_ips);
  if (!ip) return "";
  st.used_ips.insert(*ip);
  return *ip;
}

// Workers are monitored: one that ends while its pod is still here (an exception in it) is
// replaced, see worker_down.
pod_worker_actor spawn_worker(self_ptr self, const std::string& uid, const std::string& ip, const std::string& mirror,
                              std::optional<pod_record> adopted) {
  pod_worker_deps d;
  d.node = self->state.deps;
  d.uid = uid;
  d.ip = ip;
  d.mirror_of = mirror;
  d.api = self->state.api;
  d.owner = caf::actor_cast<pod_owner_actor>(self);
  d.adopted = std::move(adopted);
  auto worker = spawn_pod_worker(self->system(), std::move(d));
  self->monitor(worker);
  return worker;
}

pod_entry& ensure_worker(self_ptr self, const std::string& uid, const std::string& ns, const std::string& name,
                         const std::string& mirror = "") {
  auto& st = self->state;
  auto it = st.pods.find(uid);
  if (it != st.pods.end()) return it->second;
  std::optional<pod_record> adopted;
  if (auto r = st.records.find(uid); r != st.records.end()) {
    adopted = r->second;
    st.records.erase(r);
  }
  auto ip = allocate_ip(self, adopted);
  auto worker = spawn_worker(self, uid, ip, mirror, std::move(adopted));
  pod_entry entry;
  entry.worker = worker;
  entry.ns = ns;
  entry.name = name;
  entry.mirror = mirror;
  entry.gone = !mirror.empty();
  entry.ip = ip;
  return st.pods.emplace(uid, std::move(entry)).first->second;
}

// A worker ended while its pod is still on the node: its containers go on running, but nothing
// watches them, restarts them or reports their status, and the pod could never be deleted.
// A successor adopts them from the record the worker kept on disk, as after an agent restart;
// one that keeps ending is replaced less and less often (1 s, doubling up to a minute; back to
// 1 s once one has lasted ten minutes).
void worker_down(self_ptr self, const caf::down_msg& msg) {
  for (auto& [uid, entry] : self->state.pods) {
    if (entry.worker.address() != msg.source || entry.worker_ended) continue;
    entry.worker_ended = true;
    if (std::chrono::steady_clock::now() - entry.worker_since > std::chrono::minutes(10)) entry.successors = 0;
    auto delay = std::chrono::seconds(std::min(60, 1 << std::min(entry.successors, 6)));
    std::fprintf(stderr, "troupe kubelet: the worker of pod %s/%s (uid %s) ended (%s); another takes over in %llds\n",
                 entry.ns.c_str(), entry.name.c_str(), uid.c_str(), caf::to_string(msg.reason).c_str(),
                 static_cast<long long>(delay.count()));
    ++entry.successors;
    self->delayed_send(self, delay, respawn_atom::value, uid);
    return;
  }
}

void start_successor(self_ptr self, const std::string& uid) {
  auto& st = self->state;
  auto it = st.pods.find(uid);
  if (it == st.pods.end() || !it->second.worker_ended) return;
  auto& entry = it->second;
  std::optional<pod_record> adopted;
  if (!st.deps->hollow) adopted = load_pod_record(st.deps->data_dir, uid);
  entry.worker = spawn_worker(self, uid, entry.ip, entry.mirror, std::move(adopted));
  entry.worker_ended = false;
  entry.worker_since = std::chrono::steady_clock::now();
  if (st.api) self->send(entry.worker, connected_atom::value, st.api, st.store);
  if (entry.object) self->send(entry.worker, pod_atom::value, entry.object);
  if (entry.gone && entry.mirror.empty()) self->send(entry.worker, stop_atom::value);
}

// ---- pods from the API ----------------------------------------------------------------------

bool is_mirror(k8s::Pod::Reader pod) { return map_get(pod.getMetadata().getAnnotations(), mirror_annotation).has_value(); }

void create_mirror(self_ptr self, const std::string& uid, const std::string& static_pod);

// Deletes a pod's object at once (no grace: its containers are stopped already, or it has
// none of its own); with `revision`, only that version of it.
void delete_pod_object(self_ptr self, const std::string& ns, const std::string& name,
                       uint64_t revision = 0) {
  if (!self->state.api) return;
  auto req = make_request(api_verb::remove, "pods", ns, name);
  req.grace_period = 0;
  req.resource_version = revision;
  self->request(self->state.api, call_patience, api_atom::value, std::move(req))
      .then([](api_reply&) {}, [](caf::error&) {});
}

void pod_seen(self_ptr self, std::string text) {
  auto bytes = std::make_shared<const std::string>(std::move(text));
  object_reader r(*bytes);
  auto pod = r.as<k8s::Pod>();
  if (is_mirror(pod)) {
    // Its static pod runs from the manifest, whatever is done to the mirror. One being deleted
    // has no containers of its own to stop: the kubelet ends its deletion at once (it stayed
    // Terminating for good) and makes it again when it is gone (pod_gone).
    // This mirror and no later one (a repeated event must not delete the one made again).
    if (pod.getMetadata().getDeletionTimestamp() != 0)
      delete_pod_object(self, text_string(pod.getMetadata().getNamespace()),
                        text_string(pod.getMetadata().getName()),
                        parse_int(text_view(pod.getMetadata().getResourceVersion())).value_or(0));
    return;
  }
  auto uid = text_string(pod.getMetadata().getUid());
  auto& entry = ensure_worker(self, uid, text_string(pod.getMetadata().getNamespace()),
                              text_string(pod.getMetadata().getName()));
  entry.object = bytes;
  self->send(entry.worker, pod_atom::value, bytes);
}

void pod_gone(self_ptr self, const std::string& bytes) {
  object_reader r(bytes);
  if (auto source = map_get(r.meta().getAnnotations(), mirror_annotation)) {
    auto it = self->state.static_pods.find(std::string(*source));
    if (it == self->state.static_pods.end()) {
      // A changed manifest: the mirror of the pod it was deleted for is this one's again.
      std::string name = text_string(r.meta().getName());
      for (auto& [uid, entry] : self->state.pods)
        if (entry.mirror == name && self->state.static_pods.count(uid))
          it = self->state.static_pods.find(uid);
    }
    if (it == self->state.static_pods.end() || !self->state.api) return;
    // Made again only while its Node is there, as the kubelet does: once the Node is deleted
    // the pod garbage collector deletes its mirrors, and they must stay deleted.
    std::string uid = it->first, static_pod = it->second;
    self->request(self->state.api, call_patience, api_atom::value,
                  make_request(api_verb::get, "nodes", "", self->state.deps->node))
        .then(
            [=](api_reply& node) {
              object_reader n(node.object.str());
              if (n.meta().getDeletionTimestamp() == 0) create_mirror(self, uid, static_pod);
            },
            [](caf::error&) {});
    return;
  }
  auto uid = text_string(r.meta().getUid());
  auto it = self->state.pods.find(uid);
  if (it == self->state.pods.end() || !it->second.mirror.empty()) return;
  it->second.gone = true;
  self->send(it->second.worker, stop_atom::value);
}

// Containers an earlier agent left for pods that no longer exist: stop them.
void stop_orphans(self_ptr self) {
  for (auto& [uid, record] : self->state.records) {
    for (auto& c : record.containers)
      if (c.pid > 0 && process_start_time(c.shim) == std::optional<uint64_t>(c.shim_start)) kill(-c.pid, SIGKILL);
    forget_pod(self->state.deps->data_dir, uid);
    self->state.deps->groups->remove_all(uid + "_");
    self->state.used_ips.erase(record.ip);
  }
  self->state.records.clear();
}

void watch_pods(self_ptr self, uint64_t revision) {
  auto& st = self->state;
  watch_request req;
  req.id = st.connection;
  req.resource = "pods";
  req.field_selector = "spec.nodeName=" + st.deps->node;
  req.from_revision = revision;
  st.received = 0;
  auto connection = st.connection;
  self->request(st.store, call_patience, watch_atom::value, req, caf::actor_cast<watcher_actor>(self))
      .then([](uint64_t) {},
            [=](caf::error&) {
              if (connection == self->state.connection)
                self->delayed_send(self, std::chrono::seconds(1), relist_atom::value, connection);
            });
}

// The full list first, then a watch from its revision: nothing is missed between the two.
void relist(self_ptr self) {
  auto& st = self->state;
  auto connection = st.connection;
  auto req = make_request(api_verb::list, "pods");
  req.field_selector = "spec.nodeName=" + st.deps->node;
  self->request(st.api, call_patience, api_atom::value, std::move(req))
      .then(
          [=](api_reply& reply) {
            if (connection != self->state.connection) return;
            std::set<std::string> listed;
            for (auto& item : reply.items) {
              object_reader r(item);
              listed.insert(text_string(r.meta().getUid()));
              pod_seen(self, item);
            }
            for (auto& [uid, entry] : self->state.pods)
              if (entry.mirror.empty() && !listed.count(uid) && !entry.gone) {
                entry.gone = true;
                self->send(entry.worker, stop_atom::value);
              }
            stop_orphans(self);
            watch_pods(self, reply.revision);
          },
          [=](caf::error&) {
            if (connection == self->state.connection)
              self->delayed_send(self, std::chrono::seconds(1), relist_atom::value, connection);
          });
}

void on_event(self_ptr self, const watch_event& ev) {
  auto& st = self->state;
  if (ev.id != st.connection) return;
  if (++st.received % watch_ack_every == 0)
    self->send(st.store, watch_ack_atom::value, ev.id, st.received);
  if (ev.type == 3) pod_gone(self, ev.object.str());
  else if (ev.type == 1 || ev.type == 2) pod_seen(self, ev.object.str());
}

// ---- static pods ----------------------------------------------------------------------------

std::string static_uid(const std::string& node, const std::string& manifest) {
  std::ostringstream out;
  out << std::hex << std::hash<std::string>{}(node + "\n" + manifest);
  return "static-" + out.str();
}

std::string mirror_pod(const kind_registry& kinds, std::string_view manifest, const std::string& node,
                       const std::string& uid) {
  auto& kind = *kinds.find_by_resource("pods");
  auto tree = codec::encode_object(manifest, kind);
  auto* meta = tree.find("metadata");
  meta->set("name", codec::node::string(meta->find("name")->text() + "-" + node));
  codec::node annotations = meta->find("annotations") ? *meta->find("annotations") : codec::node::map();
  annotations.set(mirror_annotation, codec::node::string(uid));
  annotations.set("kubernetes.io/config.source", codec::node::string("file"));
  meta->set("annotations", annotations);
  tree.find("spec")->set("nodeName", codec::node::string(node));
  return codec::decode_object(tree, kind, "mirror pod");
}

// Reads the manifests: a pod new (or changed: its uid is its content's) starts, with its mirror
// once connected; one whose manifest is gone stops and its mirror goes, unless a manifest
// could not be read this time (it may be half written).
void load_static_pods(self_ptr self) {
  auto& deps = *self->state.deps;
  if (deps.pod_manifest_path.empty()) return;
  std::set<std::string> found;
  bool unreadable = false;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(deps.pod_manifest_path, ec)) {
    auto ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    std::stringstream text;
    text << std::ifstream(entry.path()).rdbuf();
    try {
      for (auto& m : codec::decode_manifests(text.str(), entry.path().string(), *deps.kinds)) {
        if (m.kind->kind != "Pod") continue;
        auto tree = m.tree;
        auto* meta = tree.find("metadata");
        if (!meta->find("namespace")) meta->set("namespace", codec::node::string("default"));
        meta->set("uid", codec::node::string(static_uid(deps.node, m.bytes)));
        tree.find("spec")->set("nodeName", codec::node::string(deps.node));
        auto bytes = codec::decode_object(tree, *m.kind, m.origin);
        object_reader r(bytes);
        auto uid = text_string(r.meta().getUid());
        auto name = text_string(r.meta().getName());
        found.insert(uid);
        if (self->state.static_pods.count(uid)) continue;  // running already
        self->state.static_pods[uid] = bytes;
        auto& entry = ensure_worker(self, uid, text_string(r.meta().getNamespace()), name, name + "-" + deps.node);
        entry.object = std::make_shared<const std::string>(bytes);
        self->send(entry.worker, pod_atom::value, entry.object);
        if (self->state.api) create_mirror(self, uid, bytes);
      }
    } catch (const api_error& e) {
      // A bad manifest is skipped; the others still run.
      unreadable = true;
      std::fprintf(stderr, "troupe kubelet: static pod %s: %s\n", entry.path().c_str(), e.message().c_str());
    }
  }
  if (ec || unreadable) return;
  auto& st = self->state;
  for (auto it = st.static_pods.begin(); it != st.static_pods.end();) {
    if (found.count(it->first)) {
      ++it;
      continue;
    }
    std::string uid = it->first;
    it = st.static_pods.erase(it);  // first: its mirror's deletion must not make it again
    auto pod = st.pods.find(uid);
    if (pod == st.pods.end()) continue;
    self->send(pod->second.worker, stop_atom::value);
    delete_pod_object(self, pod->second.ns, pod->second.mirror);
  }
}

void create_mirror(self_ptr self, const std::string& uid, const std::string& static_pod) {
  auto object = mirror_pod(*self->state.deps->kinds, static_pod, self->state.deps->node, uid);
  object_reader r(object);
  self->request(
          self->state.api, call_patience, api_atom::value,
          make_request(api_verb::create, "pods", text_string(r.meta().getNamespace()), "", object))
      .then([](api_reply&) {}, [](caf::error&) {});  // AlreadyExists: it is there from before
}

void create_mirrors(self_ptr self) {
  for (auto& [uid, bytes] : self->state.static_pods) create_mirror(self, uid, bytes);
}

// ---- stopping -------------------------------------------------------------------------------

void pod_stopped(self_ptr self, const std::string& uid) {
  auto& st = self->state;
  auto it = st.pods.find(uid);
  if (it == st.pods.end()) return;
  auto entry = it->second;
  st.pods.erase(it);
  caf::anon_send_exit(entry.worker, caf::exit_reason::user_shutdown);
  forget_pod(st.deps->data_dir, uid);
  st.deps->groups->remove_all(uid + "_");
  std::error_code ec;  // its logs go with it, as the kubelet removes /var/log/pods/<pod>
  std::filesystem::remove_all(st.deps->data_dir + "/logs/" + entry.ns + "_" + entry.name + "_" + uid, ec);
  st.used_ips.erase(entry.ip);
  // The containers are gone: now the object may go (graceful deletion's last step).
  if (!entry.gone) delete_pod_object(self, entry.ns, entry.name);
}

// ---- exec and logs --------------------------------------------------------------------------

// The worker of the pod a request names, or the error to answer with.
template <class Request>
caf::expected<pod_worker_actor> worker_for(self_ptr self, const Request& req) {
  for (auto& [uid, entry] : self->state.pods) {
    if (entry.ns != req.ns || (entry.name != req.pod && entry.mirror != req.pod)) continue;
    if (entry.worker_ended)
      return make_error(api_errc::unavailable,
                        "the kubelet is starting another worker for pod " + quote(req.pod) + "; try again shortly");
    return entry.worker;
  }
  return make_error(api_errc::not_found, "pods " + quote(req.pod) + " not found on this node");
}

// The range is kept on disk so that static pods can start before the server answers.
void set_pod_cidr(self_ptr self, const std::string& text) {
  auto cidr = parse_cidr(text);
  if (!cidr) return;
  self->state.cidr = *cidr;
  std::ofstream(self->state.deps->data_dir + "/pod-cidr") << text << "\n";
}

void connected(self_ptr self, resource_actor api, store_actor store, const std::string& pod_cidr) {
  auto& st = self->state;
  bool first = st.cidr.prefix == 32;
  set_pod_cidr(self, pod_cidr);
  if (first) load_static_pods(self);
  st.api = std::move(api);
  st.store = std::move(store);
  ++st.connection;
  for (auto& [uid, entry] : st.pods) self->send(entry.worker, connected_atom::value, st.api, st.store);
  create_mirrors(self);
  relist(self);
}

impl_actor::behavior_type kubelet_behavior(self_ptr self, std::shared_ptr<const kubelet_deps> deps) {
  auto& st = self->state;
  st.deps = deps;
  if (!deps->hollow) {
    std::error_code ec;
    std::filesystem::create_directories(deps->data_dir + "/pods", ec);
    std::filesystem::create_directories(deps->data_dir + "/logs", ec);
    st.records = load_pod_records(deps->data_dir);
    // Their processes still use these addresses: a pod new to this agent must not get one.
    for (auto& [uid, record] : st.records)
      if (!record.ip.empty()) st.used_ips.insert(record.ip);
    std::ifstream saved(deps->data_dir + "/pod-cidr");
    std::string text;
    if (saved >> text)
      if (auto cidr = parse_cidr(text)) st.cidr = *cidr;
  }
  if (st.cidr.prefix != 32) load_static_pods(self);
  if (!deps->pod_manifest_path.empty() && !deps->hollow)
    self->delayed_send(self, deps->file_check_frequency, rescan_atom::value);
  // The workers are not linked to the kubelet: they go with it.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (auto& [uid, entry] : self->state.pods) caf::anon_send_exit(entry.worker, caf::exit_reason::user_shutdown);
    self->quit(msg.reason);
  });
  self->set_down_handler([=](caf::down_msg& msg) { worker_down(self, msg); });
  return {
      [=](connected_atom, resource_actor api, store_actor store, const std::string& pod_cidr) {
        connected(self, std::move(api), std::move(store), pod_cidr);
      },
      [=](watch_event_atom, const watch_event& ev) { on_event(self, ev); },
      [=](watch_end_atom, uint64_t id, const caf::error&) {
        if (id == self->state.connection)
          self->delayed_send(self, std::chrono::seconds(1), relist_atom::value, id);
      },
      [=](relist_atom, uint64_t connection) {
        if (connection == self->state.connection && self->state.api) relist(self);
      },
      [=](stopped_atom, const std::string& uid) { pod_stopped(self, uid); },
      [=](respawn_atom, const std::string& uid) { start_successor(self, uid); },
      [=](rescan_atom) {
        if (self->state.cidr.prefix != 32) load_static_pods(self);  // pods need the node's range
        self->delayed_send(self, self->state.deps->file_check_frequency, rescan_atom::value);
      },
      [=](exec_atom, exec_request& req) -> caf::result<exec_reply> {
        auto w = worker_for(self, req);
        if (!w) return w.error();
        return self->delegate(*w, exec_atom::value, std::move(req));
      },
      [=](logs_atom, logs_request& req) -> caf::result<logs_reply> {
        auto w = worker_for(self, req);
        if (!w) return w.error();
        return self->delegate(*w, logs_atom::value, std::move(req));
      },
  };
}

}  // namespace

kubelet_actor spawn_kubelet(caf::actor_system& sys, kubelet_deps deps) {
  auto shared = std::make_shared<const kubelet_deps>(std::move(deps));
  return caf::actor_cast<kubelet_actor>(sys.spawn(kubelet_behavior, shared));
}

void add_kubelet_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<exec_request>("troupe.exec_request");
  cfg.add_message_type<exec_reply>("troupe.exec_reply");
  cfg.add_message_type<logs_request>("troupe.logs_request");
  cfg.add_message_type<logs_reply>("troupe.logs_reply");
}

}  // namespace troupe
