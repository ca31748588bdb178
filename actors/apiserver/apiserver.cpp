#include "actors/apiserver/apiserver.hpp"

#include <kj/exception.h>

#include <caf/all.hpp>
#include <map>
#include <memory>
#include <optional>

#include "actors/apiserver/admission.hpp"
#include "actors/apiserver/bootstrap_rbac.hpp"
#include "actors/apiserver/per_key_queue.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/object/compare.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

constexpr auto write_patience = std::chrono::seconds(30);
// Unconditional writes of one object waiting their turn; beyond this, TooManyRequests.
constexpr size_t max_queued_per_object = 1024;

struct resource_state {
  apiserver_deps deps;
  const kind_info* kind = nullptr;
  /// Seeded once: seeding a generator per request cost more than the rest of a create.
  admission_context admission = system_admission_context();
  service_cursor services;  ///< Services only
  /// Services' allocations handed out in the last seconds, by key: their writes may not be
  /// visible in a snapshot yet, and two Services must never share one.
  std::map<std::string, std::pair<service_allocations, int64_t>> recent_services;
  /// While an unconditional write runs: the request to run again on Conflict (see retrying).
  std::shared_ptr<struct unconditional_write> retry;
  /// Unconditional writes by object key, in arrival order; the front one is running.
  per_key_queue<std::shared_ptr<struct unconditional_write>> unconditional{max_queued_per_object};
  static inline const char* name = "resource";
};

using self_ptr = resource_actor::stateful_pointer<resource_state>;
using write_op = caf::result<api_reply> (*)(self_ptr, const api_request&);

// A patch, or an update without a resourceVersion, applies to whatever is stored when it
// runs. If another write lands between its read and its commit, Kubernetes' GuaranteedUpdate
// runs it again on the new object instead of answering Conflict, and so does this. Those of
// one object run one at a time: a write is read back only once synced, so writes racing
// through this actor would all but one conflict, again and again.
struct unconditional_write {
  write_op op;
  api_request req;
  caf::response_promise answer;
  int attempts_left;
  std::string key;
};

std::string not_found(const kind_info& kind, std::string_view name) {
  return kind.resource() + " " + quote(name) + " not found";
}

std::string key_of(const kind_info& kind, const api_request& req) {
  TROUPE_REQUIRE(!req.name.empty(), api_errc::bad_request, "a resource name is required");
  return object_key(kind.resource(), kind.namespaced ? req.ns : "", req.name);
}

// ---- reads ----------------------------------------------------------------------------------

api_reply get(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  auto snap = self->state.deps.engine->read();
  auto found = snap.get(key_of(kind, req));
  TROUPE_REQUIRE(found, api_errc::not_found, not_found(kind, req.name));
  return {shared_bytes(std::string(found->object)), {}, found->revision, {}};
}

api_reply list(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  auto labels = label_selector::parse(req.label_selector);
  auto fields = field_selector::parse(req.field_selector, kind);
  auto snap = self->state.deps.engine->read();
  api_reply reply;
  reply.revision = snap.revision();
  auto prefix = list_prefix(kind.resource(), kind.namespaced ? req.ns : "");
  // Pages, as Kubernetes' limit and continue: each starts after the last key of the one
  // before, read from the store as it is now.
  TROUPE_REQUIRE(req.continue_after.empty() || starts_with(req.continue_after, prefix),
                 api_errc::bad_request, "continue: invalid token for this list");
  uint64_t bytes = 0;
  bool page_full = false;
  auto take = [&](std::string_view key, store::stored_view v) {
    bool full = (req.limit && reply.items.size() >= req.limit) ||
                (req.page_bytes && bytes + v.object.size() > req.page_bytes && !reply.items.empty());
    object_reader r(v.object);
    if (!labels.matches(r.meta().getLabels()) ||
        (!fields.empty() && !fields.matches(r.as(kind.schema))))
      return true;
    if (full) return !(page_full = true);  // a match beyond this page: the caller asks again
    reply.items.emplace_back(v.object);
    reply.continue_after = std::string(key);
    bytes += v.object.size();
    return true;
  };
  // A selector that pins an indexed field reads only the objects with that value.
  bool indexed = false;
  for (auto& index : self->state.deps.engine->options().indexes)
    if (auto value = fields.pinned(index.field);
        !indexed && value && snap.list_by_field(prefix, index.field, *value, take, req.continue_after))
      indexed = true;
  if (!indexed) snap.list(prefix, take, req.continue_after);
  if (!page_full) reply.continue_after.clear();  // the walk reached the end
  return reply;
}

// ---- writes ---------------------------------------------------------------------------------

caf::response_promise store_write_retrying(self_ptr self, std::shared_ptr<unconditional_write> retry,
                                           write_request write);

// The store answers the caller itself: one hop less per write than answering through here.
caf::result<api_reply> store_write(self_ptr self, uint8_t op, std::string key,
                                   uint64_t expected, std::string object) {
  write_request write{op, std::move(key), expected, std::move(object)};
  if (auto retry = self->state.retry) return store_write_retrying(self, std::move(retry), std::move(write));
  auto rp = self->make_response_promise<api_reply>();
  rp.delegate(self->state.deps.store, write_atom::value, std::move(write));
  return rp;
}

// `name`: the object to be created there, which Kubernetes' Forbidden names first.
void require_namespace(self_ptr self, const std::string& ns, const std::string& name) {
  auto snap = self->state.deps.engine->read();
  auto found = snap.get(object_key("namespaces", "", ns));
  TROUPE_REQUIRE(found, api_errc::not_found, "namespaces " + quote(ns) + " not found");
  TROUPE_REQUIRE(object_reader(found->object).meta().getDeletionTimestamp() == 0, api_errc::forbidden,
                 self->state.kind->resource() + " " + quote(name) +
                     " is forbidden: unable to create new content in namespace " + ns +
                     " because it is being terminated");
}

// Services get their cluster IP and node ports here, where every write of one passes (one
// actor per kind, so allocations never race).
// `held_meanwhile`: whether what it gets is held until the store has it (not for a dry run, or
// a create the store will refuse because the name is taken).
std::string with_service_addresses(self_ptr self, const store::snapshot& snap,
                                   const std::string& key, std::string object,
                                   bool held_meanwhile = true) {
  auto& st = self->state;
  if (st.kind->kind != "Service") return object;
  service_allocations used, held;
  snap.list(list_prefix("services", ""), [&](std::string_view other, store::stored_view v) {
    add_allocations(v.object, other == key ? held : used);
    return true;
  });
  int64_t now = unix_seconds();
  for (auto it = st.recent_services.begin(); it != st.recent_services.end();) {
    if (now - it->second.second > 10) {  // long written (or refused)
      it = st.recent_services.erase(it);
      continue;
    }
    if (it->first != key) {
      used.ips.insert(it->second.first.ips.begin(), it->second.first.ips.end());
      used.node_ports.insert(it->second.first.node_ports.begin(),
                             it->second.first.node_ports.end());
    }
    ++it;
  }
  auto assigned =
      assign_service_addresses(*st.kind, object, st.deps.services, used, st.services, held);
  if (!held_meanwhile) return assigned;
  service_allocations mine;
  add_allocations(assigned, mine);
  st.recent_services[key] = {std::move(mine), now};
  return assigned;
}

// Kubernetes changes a namespace's spec.finalizers only through /finalize, and an update
// keeps them. troupe has no /finalize: an update of a namespace being deleted whose content
// is gone stands for it (the namespace controller's release, or a user's for a finalizer of
// their own); any other update keeps them, so a patch cannot orphan what is in the namespace.
std::string with_namespace_finalizers(self_ptr self, const store::snapshot& snap,
                                      std::string_view stored, std::string object) {
  auto& st = self->state;
  if (st.kind->kind != "Namespace") return object;
  object_reader before(stored);
  std::string ns = text_string(before.meta().getName());
  bool finalizing = before.meta().getDeletionTimestamp() != 0;
  for (auto& kind : st.deps.kinds->all())
    if (finalizing && kind->namespaced && snap.count(list_prefix(kind->resource(), ns)) > 0) finalizing = false;
  if (finalizing) return object;
  object_reader after(object);
  capnp::MallocMessageBuilder message;
  message.setRoot(after.as<k8s::Namespace>());
  message.getRoot<k8s::Namespace>().getSpec().setFinalizers(
      before.as<k8s::Namespace>().getSpec().getFinalizers());
  return to_bytes(message);
}

// Kubernetes' Priority admission of PriorityClasses: one global default at most. `replacing`:
// the class an update replaces, which may stay the default.
void require_single_default(const store::snapshot& snap, std::string_view object, bool replacing) {
  auto wanted = priority_class_of(object);
  if (!wanted.global_default) return;
  std::optional<std::string> other;
  snap.list(list_prefix(priority_classes_resource, ""),
            [&](std::string_view, store::stored_view v) {
              auto stored = priority_class_of(v.object);
              if (stored.global_default && !(replacing && stored.name == wanted.name))
                other = stored.name;
              return !other;
            });
  TROUPE_REQUIRE(!other, api_errc::forbidden,
                 std::string(priority_classes_resource) + " " + quote(wanted.name) +
                     " is forbidden: PriorityClass " + *other +
                     " is marked as default. Only one default can exist");
}

// What an update or patch of a spec gets beyond admission: the Service's addresses, a
// namespace's finalizers kept unless it is being deleted and its content is gone, and a
// PriorityClass's single default.
std::string with_kind_rules(self_ptr self, const store::snapshot& snap, const std::string& key,
                            std::string_view stored, std::string object, bool dry_run) {
  if (self->state.kind->kind == "PriorityClass") require_single_default(snap, object, true);
  object = with_service_addresses(self, snap, key, std::move(object), !dry_run);
  return with_namespace_finalizers(self, snap, stored, std::move(object));
}

caf::result<api_reply> create(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  auto& ctx = self->state.admission;
  ctx.now_seconds = unix_seconds();
  auto object = admit_create(kind, req.object, kind.namespaced ? req.ns : "", ctx);
  std::string ns, name, account_name;
  {
    object_reader r(object);  // not past here: the object is replaced below
    ns = text_string(r.meta().getNamespace());
    name = text_string(r.meta().getName());
    if (kind.kind == "Pod")
      account_name = text_string(r.as<k8s::Pod>().getSpec().getServiceAccountName());
  }
  if (kind.namespaced) require_namespace(self, ns, name);
  auto key = object_key(kind.resource(), ns, name);
  if (kind.kind == "Pod") {
    std::optional<std::string> account;
    if (!account_name.empty()) {
      auto snap = self->state.deps.engine->read();  // the view below lives as long as it
      if (auto found = snap.get(object_key("serviceaccounts", ns, account_name)))
        account = std::string(found->object);
    }
    // req.object passed admission's checks above: it reads safely.
    object = admit_service_account(object, account ? &*account : nullptr,
                                   admission_name(object_reader(req.object).meta()));
  }
  if (kind.kind == "PriorityClass")
    require_single_default(self->state.deps.engine->read(), object, false);
  if (kind.kind == "Service" || req.dry_run) {
    auto snap = self->state.deps.engine->read();
    bool taken = snap.get(key).has_value();  // the store refuses it: nothing to hold for it
    if (kind.kind == "Service")
      object = with_service_addresses(self, snap, key, std::move(object), !req.dry_run && !taken);
    // A dry run is answered as the store would answer the write.
    TROUPE_REQUIRE(!req.dry_run || !taken, api_errc::already_exists, kind.resource() + " " + quote(name) + " already exists");
  }
  if (req.dry_run) return api_reply{shared_bytes(std::move(object)), {}, 0, {}};
  return store_write(self, 1, std::move(key), 0, std::move(object));
}

// Kubernetes stores nothing for an update that changes nothing: the resourceVersion stays and
// watchers see no event. Compared by content, since equal objects may differ in layout.
bool unchanged(const kind_info& kind, std::string_view stored, std::string_view admitted) {
  object_reader before(stored), after(admitted);
  return same_content(before.as(kind.schema), after.as(kind.schema));
}

caf::result<api_reply> store_update(self_ptr self, std::string key, uint64_t expected,
                                    const store::stored_view& stored, std::string object,
                                    bool dry_run) {
  if (expected == stored.revision && unchanged(*self->state.kind, stored.object, object))
    return api_reply{shared_bytes(std::string(stored.object)), {}, stored.revision, {}};
  if (dry_run) return api_reply{shared_bytes(std::move(object)), {}, 0, {}};
  // The last finalizer removed from an object marked for deletion lets it go.
  if (deletion_due(*self->state.kind, object))
    return store_write(self, 3, std::move(key), expected, "");
  return store_write(self, 2, std::move(key), expected, std::move(object));
}

uint64_t precondition(std::string_view rv, uint64_t otherwise) {
  if (rv.empty()) return otherwise;
  auto parsed = parse_int(rv);
  TROUPE_REQUIRE(parsed && *parsed > 0, api_errc::bad_request,
                 "metadata.resourceVersion: invalid value " + quote(rv));
  return static_cast<uint64_t>(*parsed);
}

// The object an update or patch writes: named by the request, else by the object it carries.
std::string written_key(const kind_info& kind, const api_request& req) {
  if (req.verb == static_cast<uint8_t>(api_verb::patch) || req.verb == static_cast<uint8_t>(api_verb::remove))
    return key_of(kind, req);  // no object: the request names it
  object_reader incoming(req.object);
  std::string name = req.name.empty() ? text_string(incoming.meta().getName()) : req.name;
  std::string ns = kind.namespaced ? (req.ns.empty() ? text_string(incoming.meta().getNamespace()) : req.ns) : "";
  if (kind.namespaced && ns.empty()) ns = "default";
  return object_key(kind.resource(), ns, name);
}

caf::result<api_reply> update(self_ptr self, const api_request& req, bool status_only) {
  auto& kind = *self->state.kind;
  object_reader incoming(req.object);
  auto key = written_key(kind, req);
  std::string name = req.name.empty() ? text_string(incoming.meta().getName()) : req.name;
  auto snap = self->state.deps.engine->read();
  auto stored = snap.get(key);
  TROUPE_REQUIRE(stored, api_errc::not_found, not_found(kind, name));
  // A resourceVersion in the object is a precondition; without one, the update applies to
  // what was read here (and still fails if someone else writes first).
  uint64_t expected =
      precondition(text_view(incoming.meta().getResourceVersion()), stored->revision);
  auto object = admit_update(kind, stored->object, req.object, status_only);
  if (!status_only)
    object = with_kind_rules(self, snap, key, stored->object, std::move(object), req.dry_run);
  return store_update(self, key, expected, *stored, std::move(object), req.dry_run);
}

// A patch applies to the stored object's document tree, so it sees exactly what a client
// reads; one that changes nothing stores nothing (the resourceVersion stays).
caf::result<api_reply> patch(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  auto key = key_of(kind, req);
  auto snap = self->state.deps.engine->read();
  auto stored = snap.get(key);
  TROUPE_REQUIRE(stored, api_errc::not_found, not_found(kind, req.name));
  auto delta = codec::parse_json(req.patch, "patch");
  auto type = static_cast<patch_type>(req.patch_type);
  TROUPE_REQUIRE(
      type == patch_type::merge || type == patch_type::strategic || type == patch_type::json,
      api_errc::bad_request, "unknown patch type " + std::to_string(req.patch_type));
  if (type != patch_type::json)  // json_patch checks its own list of operations
    TROUPE_REQUIRE(delta.is_map(), api_errc::bad_request, "the patch must be a JSON object");
  auto current = codec::encode_object(stored->object, kind);
  auto patched = type == patch_type::strategic ? codec::strategic_merge_patch(current, delta)
                 : type == patch_type::json    ? codec::json_patch(current, delta)
                                               : codec::merge_patch(current, delta);
  if (patched == current)
    return api_reply{shared_bytes(std::string(stored->object)), {}, stored->revision, {}};
  // A resourceVersion the patch sets, by any of the three types, is its precondition.
  auto rv_of = [](const codec::node& object) -> std::string {
    auto* meta = object.is_map() ? object.find("metadata") : nullptr;
    auto* rv = meta && meta->is_map() ? meta->find("resourceVersion") : nullptr;
    return rv ? rv->text() : "";
  };
  std::string rv = rv_of(patched) != rv_of(current) ? rv_of(patched) : "";
  uint64_t expected = precondition(rv, stored->revision);
  auto object = admit_update(kind, stored->object, codec::decode_object(patched, kind, "patch"),
                             false);
  object = with_kind_rules(self, snap, key, stored->object, std::move(object), req.dry_run);
  return store_update(self, key, expected, *stored, std::move(object), req.dry_run);
}

caf::result<api_reply> remove(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  // Kubernetes' PriorityClass registry refuses by name, before looking.
  TROUPE_REQUIRE(kind.kind != "PriorityClass" || !system_priority_class_value(req.name),
                 api_errc::forbidden,
                 std::string(priority_classes_resource) + " " + quote(req.name) +
                     " is forbidden: this is a system priority class and cannot be deleted");
  auto key = key_of(kind, req);
  auto snap = self->state.deps.engine->read();
  auto stored = snap.get(key);
  TROUPE_REQUIRE(stored, api_errc::not_found, not_found(kind, req.name));
  TROUPE_REQUIRE(req.resource_version == 0 || req.resource_version == stored->revision,
                 api_errc::conflict,
                 "Operation cannot be fulfilled on " + kind.resource() + " " + quote(req.name) +
                     ": the object has been modified; please apply your changes to the latest "
                     "version and try again");
  TROUPE_REQUIRE(
      kind.kind != "Namespace" || !undeletable_namespace(req.name), api_errc::forbidden,
      "namespaces " + quote(req.name) + " is forbidden: this namespace may not be deleted");
  TROUPE_REQUIRE(req.propagation <= static_cast<uint8_t>(propagation::unset),
                 api_errc::bad_request,
                 "unknown propagationPolicy " + std::to_string(req.propagation));
  auto plan = plan_deletion(kind, stored->object, req.grace_period, unix_seconds(),
                            static_cast<propagation>(req.propagation));
  switch (plan.what) {
    case deletion_plan::action::already_marked:
      // Kubernetes' namespace registry: deleting again while its finalizers run is a conflict.
      TROUPE_REQUIRE(kind.kind != "Namespace" ||
                         object_reader(stored->object).as<k8s::Namespace>().getSpec().getFinalizers().size() == 0,
                     api_errc::conflict,
                     "Operation cannot be fulfilled on namespaces " + quote(req.name) +
                         ": The system is ensuring all content is removed from this namespace.  Upon "
                         "completion, this namespace will automatically be purged by the system.");
      return api_reply{shared_bytes(std::string(stored->object)), {}, stored->revision, {}};
    case deletion_plan::action::mark:
      if (req.dry_run) return api_reply{shared_bytes(std::move(plan.object)), {}, 0, {}};
      return store_write(self, 2, key, stored->revision, std::move(plan.object));
    case deletion_plan::action::remove_now:
      break;
  }
  if (req.dry_run) return api_reply{shared_bytes(std::string(stored->object)), {}, 0, {}};
  self->state.recent_services.erase(key);  // what it held is free once it is gone
  return store_write(self, 3, key, stored->revision, "");
}

// The binding subresource: only the node name and PodScheduled change, so it skips the full
// admission an update goes through (a scheduler binds thousands of pods a second).
caf::result<api_reply> bind(self_ptr self, const api_request& req) {
  auto& kind = *self->state.kind;
  TROUPE_REQUIRE(kind.kind == "Pod", api_errc::method_not_allowed, kind.resource() + " cannot be bound");
  auto key = key_of(kind, req);
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(key);
  TROUPE_REQUIRE(stored, api_errc::not_found, not_found(kind, req.name));
  return store_write(self, 2, key, stored->revision, bind_pod(stored->object, req.target, unix_seconds()));
}

caf::result<api_reply> run(self_ptr self, write_op op, const api_request& req);

void run_unconditional(self_ptr self, std::shared_ptr<unconditional_write> write);

// Answers a write the store has replied to, and runs the next write of its object.
template <class Answer>
void finish_unconditional(self_ptr self, const std::shared_ptr<unconditional_write>& done,
                          Answer&& answer) {
  done->answer.deliver(std::forward<Answer>(answer));
  if (auto next = self->state.unconditional.pop(done->key)) run_unconditional(self, std::move(*next));
}

// Runs `write`, and the writes of its object queued behind it for as long as each is
// answered at once (no change, NotFound, Invalid ...); one that waits on the store is
// finished by store_write_retrying.
void run_unconditional(self_ptr self, std::shared_ptr<unconditional_write> write) {
  while (write) {
    self->state.retry = write;
    auto result = run(self, write->op, write->req);
    self->state.retry = nullptr;
    if (result.flag == caf::rt_delegated) return;
    if (result.flag == caf::rt_value)
      write->answer.deliver(std::move(result.value.get_mutable_as<api_reply>(0)));
    else
      write->answer.deliver(std::move(result.err));
    auto next = self->state.unconditional.pop(write->key);
    write = next ? std::move(*next) : nullptr;
  }
}

caf::response_promise store_write_retrying(self_ptr self, std::shared_ptr<unconditional_write> retry,
                                           write_request write) {
  self->request(self->state.deps.store, caf::infinite, write_atom::value, std::move(write))
      .then([self, retry](api_reply& reply) { finish_unconditional(self, retry, std::move(reply)); },
            [self, retry](caf::error& e) {
              if (retry->attempts_left-- > 0 && to_api_error(e).code() == api_errc::conflict)
                return run_unconditional(self, retry);
              finish_unconditional(self, retry, std::move(e));
            });
  return retry->answer;
}

// A write with no resourceVersion of the caller's to hold it to: on Conflict it runs again.
bool unconditional(const api_request& req) {
  if (req.verb == static_cast<uint8_t>(api_verb::patch)) {
    try {
      auto delta = codec::parse_json(req.patch, "patch");
      if (delta.is_list()) {  // a JSON patch: one of its operations may set it
        for (auto& op : delta.items())
          if (auto* path = op.is_map() ? op.find("path") : nullptr; path && path->text() == "/metadata/resourceVersion")
            return false;
        return true;
      }
      auto* meta = delta.is_map() ? delta.find("metadata") : nullptr;
      return !(meta && meta->is_map() && meta->find("resourceVersion"));
    } catch (const api_error&) {
      return false;  // the patch itself answers why
    }
  }
  // A delete without preconditions deletes whatever version is there when it commits, as the
  // kube-apiserver's: a status write landing first (a kubelet's) must not fail a user's delete.
  if (req.verb == static_cast<uint8_t>(api_verb::remove)) return req.resource_version == 0;
  if (req.verb == static_cast<uint8_t>(api_verb::update) ||
      req.verb == static_cast<uint8_t>(api_verb::update_status)) {
    try {
      return object_reader(req.object).meta().getResourceVersion().size() == 0;
    } catch (const kj::Exception&) {
      return false;
    }
  }
  return false;
}

caf::result<api_reply> update_spec(self_ptr self, const api_request& req) {
  return update(self, req, false);
}
caf::result<api_reply> update_status(self_ptr self, const api_request& req) {
  return update(self, req, true);
}

caf::result<api_reply> serve(self_ptr self, api_request& req) {
  write_op op = nullptr;
  switch (static_cast<api_verb>(req.verb)) {
    case api_verb::get: return run(self, [](self_ptr s, const api_request& r) -> caf::result<api_reply> { return get(s, r); }, req);
    case api_verb::list: return run(self, [](self_ptr s, const api_request& r) -> caf::result<api_reply> { return list(s, r); }, req);
    case api_verb::create: op = create; break;
    case api_verb::update: op = update_spec; break;
    case api_verb::update_status: op = update_status; break;
    case api_verb::remove: op = remove; break;
    case api_verb::patch: op = patch; break;
    case api_verb::bind: op = bind; break;
    default: return make_error(api_errc::bad_request, "unknown verb " + std::to_string(req.verb));
  }
  if (req.dry_run || !unconditional(req)) return run(self, op, req);
  std::string key;
  try {
    key = written_key(*self->state.kind, req);
  } catch (...) {
    return run(self, op, req);  // it answers what is wrong with the request
  }
  // Bounded, so writers elsewhere that keep overtaking it cannot hold a request forever.
  constexpr int retries = 16;
  auto write = std::make_shared<unconditional_write>(unconditional_write{
      op, req, self->make_response_promise<api_reply>(), retries, std::move(key)});
  switch (self->state.unconditional.push(write->key, write)) {
    case queue_place::run_now: run_unconditional(self, write); break;
    case queue_place::queued: break;
    case queue_place::full:
      write->answer.deliver(make_error(
          api_errc::too_many_requests,
          "too many writes waiting for " + self->state.kind->resource() + " " + quote(req.name) +
              "; try again later"));
      break;
  }
  return write->answer;
}

caf::result<api_reply> run(self_ptr self, write_op op, const api_request& req) {
  try {
    return op(self, req);
  } catch (const api_error& e) {
    return make_error(e);
  } catch (const kj::Exception& e) {
    // Bytes that are not an object of this kind.
    return make_error(api_errc::bad_request,
                      "the object is not a valid " + self->state.kind->kind + ": " +
                          std::string(e.getDescription().cStr()));
  } catch (const std::exception& e) {
    // A bug, not the caller's fault; the actor must go on serving its kind.
    return make_error(api_errc::internal, e.what());
  }
}

std::vector<priority_class_info> stored_priority_classes(const store::engine& engine) {
  auto snap = engine.read();  // the views below live as long as it
  std::vector<priority_class_info> out;
  snap.list(list_prefix(priority_classes_resource, ""),
            [&](std::string_view, store::stored_view v) {
              out.push_back(priority_class_of(v.object));
              return true;
            });
  return out;
}

resource_actor::behavior_type resource_behavior(self_ptr self, apiserver_deps deps,
                                                const kind_info* kind) {
  self->state.deps = std::move(deps);
  self->state.kind = kind;
  if (kind->kind == "Pod") {
    auto engine = self->state.deps.engine;
    self->state.admission.priority_classes = [engine] { return stored_priority_classes(*engine); };
  }
  return {
      [=](api_atom, api_request& req) { return serve(self, req); },
  };
}

}  // namespace

std::map<std::string, resource_actor> spawn_resources(caf::actor_system& sys,
                                                      const apiserver_deps& deps) {
  std::map<std::string, resource_actor> out;
  for (auto& kind : deps.kinds->all())
    out.emplace(kind->resource(), sys.spawn(resource_behavior, deps, kind.get()));
  return out;
}

namespace {

// The bootstrap objects go through the same admission as a user's, by private actors.
// Writes a system object (a create, or an update of one made before) and waits for it.
void create_system_object(caf::scoped_actor& self, const resource_actor& actor,
                          const std::string& what, api_request req) {
  bool update = req.verb == static_cast<uint8_t>(api_verb::update);
  self->request(actor, write_patience, api_atom::value, req)
      .receive([](api_reply&) {},
               [&](caf::error& e) {
                 throw api_error(api_errc::internal, (update ? "updating " : "creating ") + what +
                                                         ": " + to_api_error(e).message());
               });
}

}  // namespace

void ensure_system_namespaces(caf::actor_system& sys, const apiserver_deps& deps) {
  const kind_info* ns_kind = deps.kinds->find_by_resource("namespaces");
  const kind_info* sa_kind = deps.kinds->find_by_resource("serviceaccounts");
  TROUPE_ASSERT(ns_kind && sa_kind, "the registry has no namespaces or serviceaccounts kind");
  auto namespaces = sys.spawn(resource_behavior, deps, ns_kind);
  auto accounts = sys.spawn(resource_behavior, deps, sa_kind);
  caf::scoped_actor self{sys};
  try {
    for (auto& name : system_namespaces()) {
      auto snap = deps.engine->read();
      if (!snap.get(object_key("namespaces", "", name))) {
        capnp::MallocMessageBuilder m;
        m.initRoot<k8s::Namespace>().initMetadata().setName(name.c_str());
        create_system_object(self, namespaces, std::string("namespace ") + name,
                             make_request(api_verb::create, "namespaces", "", "", to_bytes(m)));
      }
      // Its "default" service account too (the namespace controller keeps it later), so a
      // server is ready with the same objects every time.
      if (!snap.get(object_key("serviceaccounts", name, "default"))) {
        capnp::MallocMessageBuilder m;
        auto meta = m.initRoot<k8s::ServiceAccount>().initMetadata();
        meta.setName("default");
        meta.setNamespace(name.c_str());
        create_system_object(
            self, accounts, std::string("service account ") + name + "/default",
            make_request(api_verb::create, "serviceaccounts", name, "", to_bytes(m)));
      }
    }
  } catch (...) {
    // A live actor would keep the actor system from shutting down.
    caf::anon_send_exit(namespaces, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(accounts, caf::exit_reason::user_shutdown);
    throw;
  }
  caf::anon_send_exit(namespaces, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(accounts, caf::exit_reason::user_shutdown);
}

void ensure_bootstrap_objects(caf::actor_system& sys, const apiserver_deps& deps) {
  // The policy's objects are reconciled; the priority classes only made when missing, as
  // Kubernetes' bootstrap hooks do.
  auto manifests =
      codec::decode_manifests(bootstrap_rbac_manifests(), "bootstrap policy", *deps.kinds);
  size_t reconciled = manifests.size();
  for (auto& m : codec::decode_manifests(system_priority_classes_manifests(),
                                         "system priority classes", *deps.kinds))
    manifests.push_back(std::move(m));
  std::map<const kind_info*, resource_actor> actors;
  auto stop_all = [&] {
    for (auto& [kind, actor] : actors) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  };
  caf::scoped_actor self{sys};
  try {
    for (size_t i = 0; i < manifests.size(); ++i) {
      auto& m = manifests[i];
      object_reader reader(m.bytes);
      std::string name = text_string(reader.meta().getName());
      auto snap = deps.engine->read();  // the stored view lives as long as it does
      auto stored = snap.get(object_key(m.kind->resource(), "", name));
      // Made when missing; when there, what it lacks added back (unless it opted out).
      std::optional<std::string> update;
      if (stored) {
        if (i < reconciled)
          update = reconciled_bootstrap_object(stored->object, m.bytes, m.kind->kind);
        if (!update) continue;
      }
      auto& actor = actors[m.kind];
      if (!actor) actor = sys.spawn(resource_behavior, deps, m.kind);
      create_system_object(
          self, actor, m.kind->kind + " " + name,
          update ? make_request(api_verb::update, m.kind->resource(), "", name, *update)
                 : make_request(api_verb::create, m.kind->resource(), "", "", m.bytes));
    }
  } catch (...) {
    stop_all();  // a live actor would keep the actor system from shutting down
    throw;
  }
  stop_all();
}

api_request make_request(api_verb verb, std::string resource, std::string ns, std::string name,
                         std::string object) {
  api_request r;
  r.verb = static_cast<uint8_t>(verb);
  r.resource = std::move(resource);
  r.ns = std::move(ns);
  r.name = std::move(name);
  r.object = std::move(object);
  return r;
}

std::string unknown_resource(const std::string& resource) {
  return "the server doesn't have a resource type " + quote(resource);
}

resource_actor spawn_router(caf::actor_system& sys, std::map<std::string, resource_actor> resources) {
  return sys.spawn([resources](resource_actor::pointer self) -> resource_actor::behavior_type {
    return {
        [=](api_atom, api_request& req) -> caf::result<api_reply> {
          auto target = resources.find(req.resource);
          if (target == resources.end())
            return make_error(api_errc::not_found, unknown_resource(req.resource));
          return self->delegate(target->second, api_atom::value, std::move(req));
        },
    };
  });
}

void add_apiserver_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<api_request>("troupe.api_request");
  cfg.add_message_type<resource_actor>("troupe.resource_actor");
}

}  // namespace troupe
