#include "actors/apiserver/admission.hpp"

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <algorithm>
#include <random>
#include <set>
#include <tuple>

#include "actors/apiserver/defaults.hpp"
#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/wire_check.hpp"
#include "runtime/object/compare.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/object/validation.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using validation_rules::add;
using validation_rules::validate_labels_and_annotations;

std::string display_name(const kind_info& kind, k8s::ObjectMeta::Reader meta) {
  return text_string(meta.getName().size() ? meta.getName() : meta.getGenerateName());
}

void check_type(const kind_info& kind, capnp::DynamicStruct::Builder root) {
  auto api_version = text_string(root.get(kind.api_version_field).as<capnp::Text>().asReader());
  auto kind_text = text_string(root.get(kind.kind_field).as<capnp::Text>().asReader());
  TROUPE_REQUIRE(api_version.empty() || api_version == kind.api_version(), api_errc::bad_request,
                 "apiVersion " + quote(api_version) + " does not match " +
                     quote(kind.api_version()) + " for " + kind.kind);
  TROUPE_REQUIRE(kind_text.empty() || kind_text == kind.kind, api_errc::bad_request,
                 "kind " + quote(kind_text) + " does not match the resource " + kind.resource());
  root.set(kind.api_version_field, capnp::Text::Reader(kind.api_version()));
  root.set(kind.kind_field, capnp::Text::Reader(kind.kind));
}

void resolve_namespace(const kind_info& kind, k8s::ObjectMeta::Builder meta,
                       std::string_view request_namespace) {
  std::string ns = text_string(meta.getNamespace());
  if (!kind.namespaced) {
    meta.disownNamespace();  // Kubernetes drops it for cluster-scoped kinds (not `namespace: ""`)
    return;
  }
  if (ns.empty()) ns = request_namespace.empty() ? "default" : std::string(request_namespace);
  TROUPE_REQUIRE(request_namespace.empty() || ns == request_namespace, api_errc::bad_request,
                 "the namespace of the provided object (" + ns +
                     ") does not match the namespace sent on the request (" +
                     std::string(request_namespace) + ")");
  meta.setNamespace(ns);
}

// Kubernetes' Priority admission, on create: a pod's priority and preemption policy come from
// its class (or the global default class when it names none), never from the pod.
void admit_priority(k8s::Pod::Builder pod, const std::string& name, const admission_context& ctx) {
  auto spec = pod.getSpec();
  std::string class_name = text_string(spec.getPriorityClassName());
  auto classes = ctx.priority_classes ? ctx.priority_classes() : std::vector<priority_class_info>{};
  std::optional<priority_class_info> chosen;
  if (class_name.empty()) {
    chosen = default_priority_class(classes);
    if (chosen) spec.setPriorityClassName(chosen->name);
  } else {
    for (auto& c : classes)
      if (c.name == class_name) chosen = c;
    TROUPE_REQUIRE(chosen, api_errc::forbidden,
                   "pods " + quote(name) + " is forbidden: no PriorityClass with name " +
                       class_name + " was found");
  }
  int32_t computed = chosen ? chosen->value : 0;
  auto policy = chosen ? chosen->preemption : k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY;
  auto given = spec.getPriority();
  TROUPE_REQUIRE(given.isUnset() || given.getValue() == computed, api_errc::forbidden,
                 "pods " + quote(name) + " is forbidden: the integer value of priority (" +
                     std::to_string(given.isUnset() ? 0 : given.getValue()) +
                     ") must not be provided in pod spec; priority admission controller computed " +
                     std::to_string(computed) + " from the given PriorityClass name");
  given.setValue(computed);
  auto given_policy = spec.getPreemptionPolicy();
  TROUPE_REQUIRE(given_policy == k8s::PreemptionPolicy::UNSPECIFIED || given_policy == policy,
                 api_errc::forbidden,
                 "pods " + quote(name) + " is forbidden: the string value of PreemptionPolicy (" +
                     preemption_policy_name(given_policy) +
                     ") must not be provided in pod spec; priority admission controller computed " +
                     preemption_policy_name(policy) + " from the given PriorityClass name");
  spec.setPreemptionPolicy(policy);
}

// Kubernetes' Priority admission on update: what it set on create stays where an update
// leaves it out (both are immutable; an update that names others is refused by validation).
void keep_admitted_priority(k8s::PodSpec::Reader stored, k8s::PodSpec::Builder updated) {
  if (updated.getPriority().isUnset() && !stored.getPriority().isUnset())
    updated.getPriority().setValue(stored.getPriority().getValue());
  if (updated.getPreemptionPolicy() == k8s::PreemptionPolicy::UNSPECIFIED)
    updated.setPreemptionPolicy(stored.getPreemptionPolicy());
}

// Kubernetes' TotalAnnotationSizeLimitB.
constexpr size_t max_annotation_bytes = 256 * 1024;

// The rules a kind's names follow (Kubernetes' ValidateNameFunc for it).
messages check_name(const kind_info& kind, const std::string& name) {
  if (kind.kind == "Namespace") return check_dns1123_label(name);
  if (kind.kind == "Service") return check_dns1035_label(name);
  if (kind.kind == "StatefulSet")
    return check_dns1123_label(name);  // its pods' hostnames start with it
  // RBAC's names ("system:node-reader") are only path segments (ValidateRBACName).
  if (kind.group == "rbac.authorization.k8s.io") return check_path_segment_name(name);
  return check_dns1123_subdomain(name);
}

void validate_metadata(const kind_info& kind, k8s::ObjectMeta::Reader meta,
                       std::vector<field_error>& out) {
  std::string name = text_string(meta.getName());
  if (name.empty())
    out.push_back({"metadata.name", "Required value: name or generateName is required"});
  else
    add(out, "metadata.name", name, check_name(kind, name));
  // A generateName is checked as a name's prefix: a trailing '-' is allowed. Kubernetes'
  // maskTrailingDash puts an 'a' in place of the last two characters, as here.
  if (std::string prefix = text_string(meta.getGenerateName()); !prefix.empty()) {
    std::string masked = prefix;
    if (masked.size() > 1 && masked.back() == '-') masked = masked.substr(0, masked.size() - 2) + "a";
    add(out, "metadata.generateName", prefix, check_name(kind, masked));
  }
  if (kind.namespaced)
    add(out, "metadata.namespace", text_view(meta.getNamespace()), check_dns1123_label(text_view(meta.getNamespace())));
  size_t annotation_bytes = validate_labels_and_annotations(meta, "metadata", out);
  // Kubernetes' ValidateFinalizers.
  bool orphans = false, foreground = false;
  auto finalizers = meta.getFinalizers();
  for (unsigned i = 0; i < finalizers.size(); ++i) {
    std::string name = text_string(finalizers[i]);
    add(out, "metadata.finalizers[" + std::to_string(i) + "]", name, check_qualified_name(name));
    orphans = orphans || name == "orphan";
    foreground = foreground || name == "foregroundDeletion";
  }
  if (orphans && foreground)
    out.push_back({"metadata.finalizers", "Invalid value: finalizer orphan and foregroundDeletion cannot be both set"});
  // Kubernetes' ValidateOwnerReferences: a reference the garbage collector can follow.
  std::vector<std::string> controllers;
  for (auto ref : meta.getOwnerReferences()) {
    for (auto [field, value, what] :
         {std::tuple{"apiVersion", ref.getApiVersion(), "version"},
          std::tuple{"kind", ref.getKind(), "kind"}, std::tuple{"name", ref.getName(), "name"},
          std::tuple{"uid", ref.getUid(), "uid"}})
      if (value.size() == 0)
        out.push_back({std::string("metadata.ownerReferences.") + field,
                       std::string("Invalid value: \"\": ") + what + " must not be empty"});
    // Kubernetes' BannedOwners: a core Event is never an owner (it would keep what it describes).
    if (text_view(ref.getKind()) == "Event" && text_view(ref.getApiVersion()) == "v1")
      out.push_back({"metadata.ownerReferences",
                     "Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":" +
                         quote(text_view(ref.getName())) + ",\"uid\":" + quote(text_view(ref.getUid())) +
                         "}: /v1, Kind=Event is disallowed from being an owner"});
    if (!ref.getController().isUnset() && ref.getController().getValue())
      controllers.push_back(text_string(ref.getKind()) + "/" + text_string(ref.getName()));
  }
  if (controllers.size() > 1)
    out.push_back({"metadata.ownerReferences",
                   "Invalid value: Only one reference can have Controller set to true. Found \"true\" in references "
                   "for " + controllers[0] + " and " + controllers[1]});
  if (annotation_bytes > max_annotation_bytes)
    out.push_back({"metadata.annotations", "Too long: must have at most " +
                                               std::to_string(max_annotation_bytes) + " bytes"});
}

std::string generate_name(const std::string& prefix, const admission_context& ctx) {
  // Kubernetes trims the prefix so that the name stays within 63 characters.
  constexpr size_t suffix_length = 5, max_length = 63;
  std::string base = prefix.substr(0, max_length - suffix_length);
  return base + ctx.random_suffix(suffix_length);
}

// Compared by content, not bytes (layouts differ); an unset struct reads as all defaults.
bool same_field(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                const char* field) {
  KJ_IF_MAYBE(f, a.getSchema().findFieldByName(field)) {
    return same_content(a.get(*f).as<capnp::DynamicStruct>(), b.get(*f).as<capnp::DynamicStruct>());
  }
  return true;
}

void copy_field(capnp::DynamicStruct::Builder to, capnp::DynamicStruct::Reader from,
                const char* field) {
  KJ_IF_MAYBE(f, to.getSchema().findFieldByName(field)) {
    if (from.has(*f))
      to.set(*f, from.get(*f));
    else
      to.clear(*f);
  }
}

}  // namespace

namespace {

std::vector<field_error> causes_of(const kind_info& kind, std::string_view object) {
  object_reader reader(object);
  std::vector<field_error> causes;
  validate_metadata(kind, reader.meta(), causes);
  validate_kind(kind, reader.as(kind.schema), causes);
  return causes;
}

// An update is refused only for what it breaks (Kubernetes ratchets its newer rules so): an
// object stored before a rule existed can still take a status or lose its finalizers.
std::vector<field_error> fresh_causes(const kind_info& kind, std::string_view before, std::string_view after) {
  auto now = causes_of(kind, after);
  std::vector<field_error> fresh;
  if (now.empty()) return fresh;
  auto old = causes_of(kind, before);
  for (auto& cause : now)
    if (std::none_of(old.begin(), old.end(), [&](const field_error& o) {
          return o.path == cause.path && o.message == cause.message;
        }))
      fresh.push_back(cause);
  return fresh;
}

void validate_changed(const kind_info& kind, std::string_view before, std::string_view after) {
  auto fresh = fresh_causes(kind, before, after);
  if (!fresh.empty())
    throw api_error::invalid(kind.group_kind(), display_name(kind, object_reader(after).meta()),
                             fresh);
}

}  // namespace

void validate_object(const kind_info& kind, std::string_view object) {
  auto causes = causes_of(kind, object);
  object_reader reader(object);
  validate_kind_on_create(kind, reader.as(kind.schema), causes);
  if (!causes.empty())
    throw api_error::invalid(kind.group_kind(), display_name(kind, object_reader(object).meta()),
                             causes);
}

// Every object a client sends is held to its size limit and its schema before anything reads it.
void check_sent(const kind_info& kind, std::string_view object) {
  TROUPE_REQUIRE(!object.empty(), api_errc::bad_request,
                 "the request carries no object: a " + kind.kind + " is required");
  TROUPE_REQUIRE(object.size() <= codec::max_object_bytes, api_errc::request_entity_too_large,
                 "Request entity too large: limit is " + std::to_string(codec::max_object_bytes));
  object_reader reader(object);
  kind.wire().check(reader.root());
}

std::string admission_name(k8s::ObjectMeta::Reader meta) {
  return text_string(meta.getName().size() ? meta.getName() : meta.getGenerateName());
}

std::string admit_service_account(std::string_view pod, const std::string* account,
                                  const std::string& pod_name) {
  object_reader reader(pod);
  auto spec = reader.as<k8s::Pod>().getSpec();
  std::string name = text_string(spec.getServiceAccountName());
  std::string forbidden = "pods " + quote(pod_name) + " is forbidden: ";
  // A static pod's mirror is the kubelet's copy of a manifest: never changed, and refused
  // when it names an account.
  if (map_get(reader.meta().getAnnotations(), mirror_pod_annotation)) {
    TROUPE_REQUIRE(name.empty(), api_errc::forbidden,
                   forbidden + "a mirror pod may not reference service accounts");
    return std::string(pod);
  }
  if (name.empty()) return std::string(pod);
  std::string ns = text_string(reader.meta().getNamespace());
  TROUPE_REQUIRE(account || name == "default", api_errc::forbidden,
                 forbidden + "error looking up service account " + ns + "/" + name +
                     ": serviceaccount " + quote(name) + " not found");
  if (!account || spec.getImagePullSecrets().size() > 0) return std::string(pod);
  object_reader account_reader(*account);
  auto secrets = account_reader.as<k8s::ServiceAccount>().getImagePullSecrets();
  if (secrets.size() == 0) return std::string(pod);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.as<k8s::Pod>());
  message.getRoot<k8s::Pod>().getSpec().setImagePullSecrets(secrets);
  return to_bytes(message);
}

std::string admit_create(const kind_info& kind, std::string_view object,
                         std::string_view request_namespace, const admission_context& ctx) {
  check_sent(kind, object);
  object_reader reader(object);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.as(kind.schema));
  auto root = message.getRoot<capnp::DynamicStruct>(kind.schema);
  check_type(kind, root);
  auto meta = meta_of(message.getRoot<capnp::AnyStruct>());
  resolve_namespace(kind, meta, request_namespace);
  // Admission names the object as sent: a name still to be generated by its prefix.
  std::string named = admission_name(meta);
  if (meta.getName().size() == 0 && meta.getGenerateName().size() != 0)
    meta.setName(generate_name(text_string(meta.getGenerateName()), ctx));
  TROUPE_REQUIRE(meta.getResourceVersion().size() == 0, api_errc::bad_request,
                 "resourceVersion should not be set on objects to be created");
  meta.setUid(ctx.new_uid());
  meta.setCreationTimestamp(ctx.now_seconds);
  meta.setGeneration(kind.tracks_generation ? 1 : 0);
  meta.disownResourceVersion();  // the store stamps it; a dry run prints none, as Kubernetes
  meta.setDeletionTimestamp(0);
  meta.getDeletionGracePeriodSeconds().setUnset();
  if (kind.kind == "Pod") admit_priority(root.as<k8s::Pod>(), named, ctx);
  apply_defaults(kind, root);
  initial_status(kind, root);
  auto bytes = to_bytes(message);
  validate_object(kind, bytes);
  return bytes;
}

std::string admit_update(const kind_info& kind, std::string_view stored, std::string_view object,
                         bool status_only) {
  try {
    check_sent(kind, object);
  } catch (const api_error&) {
    // What was stored before these checks existed (text a JSON patch once stored as it came)
    // must still take its status and lose its finalizers: refused only when the stored
    // object passes.
    bool stored_fails = false;
    try {
      check_sent(kind, stored);
    } catch (const api_error&) {
      stored_fails = true;
    }
    if (!stored_fails) throw;
  }
  object_reader old_reader(stored), new_reader(object);
  auto old_root = old_reader.as(kind.schema);
  capnp::MallocMessageBuilder message;
  if (status_only) {
    // Only the status comes from the request; everything else stays as stored.
    message.setRoot(old_root);
    copy_field(message.getRoot<capnp::DynamicStruct>(kind.schema), new_reader.as(kind.schema),
               "status");
  } else {
    message.setRoot(new_reader.as(kind.schema));
    copy_field(message.getRoot<capnp::DynamicStruct>(kind.schema), old_root, "status");
  }
  auto root = message.getRoot<capnp::DynamicStruct>(kind.schema);
  check_type(kind, root);
  auto meta = meta_of(message.getRoot<capnp::AnyStruct>());
  auto old_meta = old_reader.meta();
  TROUPE_REQUIRE(meta.getName().asReader() == old_meta.getName(), api_errc::bad_request,
                 "the name of the object (" + text_string(meta.getName()) +
                     ") does not match the name on the URL (" + text_string(old_meta.getName()) +
                     ")");
  TROUPE_REQUIRE(meta.getNamespace().size() == 0 || meta.getNamespace().asReader() == old_meta.getNamespace(),
                 api_errc::bad_request, "the namespace of an object cannot change");
  TROUPE_REQUIRE(meta.getUid().size() == 0 || meta.getUid().asReader() == old_meta.getUid(),
                 api_errc::conflict,
                 "Precondition failed: UID in precondition: " + text_string(meta.getUid()) +
                     ", UID in object meta: " + text_string(old_meta.getUid()));
  // A Text field that is present but empty reads back as `field: ""`: keep absent ones absent.
  auto keep = [](capnp::Text::Reader old, bool had, auto set, auto disown) {
    if (had) set(old);
    else disown();
  };
  keep(old_meta.getNamespace(), old_meta.hasNamespace(),
       [&](auto t) { meta.setNamespace(t); }, [&] { meta.disownNamespace(); });
  keep(old_meta.getUid(), old_meta.hasUid(), [&](auto t) { meta.setUid(t); },
       [&] { meta.disownUid(); });
  keep(old_meta.getGenerateName(), old_meta.hasGenerateName(),
       [&](auto t) { meta.setGenerateName(t); }, [&] { meta.disownGenerateName(); });
  keep(old_meta.getResourceVersion(), old_meta.hasResourceVersion(),
       [&](auto t) { meta.setResourceVersion(t); }, [&] { meta.disownResourceVersion(); });
  meta.setCreationTimestamp(old_meta.getCreationTimestamp());
  meta.setDeletionTimestamp(old_meta.getDeletionTimestamp());
  if (old_meta.getDeletionGracePeriodSeconds().isUnset())
    meta.getDeletionGracePeriodSeconds().setUnset();
  else
    meta.getDeletionGracePeriodSeconds().setValue(old_meta.getDeletionGracePeriodSeconds().getValue());
  if (!status_only) {
    keep_allocated(kind, old_root, root);
    if (kind.kind == "Pod")
      keep_admitted_priority(old_root.as<k8s::Pod>().getSpec(), root.as<k8s::Pod>().getSpec());
    apply_defaults(kind, root);
  }
  std::vector<field_error> causes;
  if (old_meta.getDeletionTimestamp() != 0) {
    std::string added;
    for (auto f : meta.getFinalizers()) {
      bool had = false;
      for (auto o : old_meta.getFinalizers()) had = had || o == f;
      if (!had) added += (added.empty() ? "" : ", ") + quote(text_view(f));
    }
    if (!added.empty())  // Kubernetes prints them with %#v
      causes.push_back({"metadata.finalizers",
                        "Forbidden: no new finalizers can be added if the object is being deleted, "
                        "found new finalizers []string{" +
                            added + "}"});
  }
  // Compared with the stored object as this version defaults it (as Kubernetes defaults what
  // it reads from storage), so a default added since it was stored reads neither as a change
  // to a fixed field nor as a new generation.
  capnp::MallocMessageBuilder defaulted;
  defaulted.setRoot(old_root);
  auto old_defaulted = defaulted.getRoot<capnp::DynamicStruct>(kind.schema);
  if (!status_only) {
    apply_defaults(kind, old_defaulted);
    validate_update(kind, old_defaulted.asReader(), root.asReader(), causes);
  }
  if (!causes.empty()) {
    // As Kubernetes' ValidateUpdate: what is wrong with the object itself first, then what
    // the update may not change.
    auto all = fresh_causes(kind, stored, to_bytes(message));
    all.insert(all.end(), causes.begin(), causes.end());
    throw api_error::invalid(kind.group_kind(), display_name(kind, old_meta), all);
  }
  // A status update keeps the stored spec: nothing to compare.
  bool spec_changed = !status_only && !same_field(old_defaulted.asReader(), root.asReader(), "spec");
  // A Deployment's annotations steer its rollout (change-cause, revision): Kubernetes counts
  // a change to them as a new generation too.
  if (!status_only && kind.kind == "Deployment" &&
      map_entries(old_meta.getAnnotations()) != map_entries(meta.asReader().getAnnotations()))
    spec_changed = true;
  // Kinds without a generation keep what is stored (objects stored before this rule had 1).
  meta.setGeneration(old_meta.getGeneration() + (spec_changed && kind.tracks_generation ? 1 : 0));
  auto bytes = to_bytes(message);
  validate_changed(kind, stored, bytes);
  return bytes;
}

admission_context system_admission_context() {
  auto random = std::make_shared<std::mt19937_64>(std::random_device{}());
  admission_context ctx;
  ctx.now_seconds = unix_seconds();
  ctx.new_uid = [random] {
    // The 31 random hex digits from two draws (a draw per digit cost a create more than all of
    // its uid's other work); the version digit is 4, the variant's (y) 8 to b.
    uint64_t bits[2] = {(*random)(), (*random)()};
    const char* hex = "0123456789abcdef";
    std::string uid = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    size_t used = 0;
    for (auto& c : uid) {
      if (c != 'x' && c != 'y') continue;
      unsigned nibble = static_cast<unsigned>(bits[used / 16] >> (4 * (used % 16))) & 0xF;
      ++used;
      c = hex[c == 'x' ? nibble : 8 + nibble % 4];
    }
    return uid;
  };
  ctx.random_suffix = [random](size_t n) {
    // Kubernetes' alphabet: no vowels (no words) and no look-alike characters.
    static constexpr char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
    std::string out;
    for (size_t i = 0; i < n; ++i) out += alphabet[pick(*random)];
    return out;
  };
  return ctx;
}

}  // namespace troupe

namespace troupe {
namespace {

// A pod that no node runs, or that has finished, has nothing to stop: it goes at once.
int64_t pod_grace(k8s::Pod::Reader pod, int64_t requested) {
  if (pod.getSpec().getNodeName().size() == 0) return 0;
  auto phase = pod.getStatus().getPhase();
  if (phase == k8s::PodPhase::SUCCEEDED || phase == k8s::PodPhase::FAILED) return 0;
  if (requested >= 0) return requested;
  auto grace = pod.getSpec().getTerminationGracePeriodSeconds();
  return grace.isUnset() ? 30 : grace.getValue();
}

}  // namespace

deletion_plan plan_deletion(const kind_info& kind, std::string_view stored, int64_t grace_seconds,
                            int64_t now_seconds, propagation policy) {
  object_reader reader(stored);
  auto meta = reader.meta();
  bool pod = kind.kind == "Pod";
  // A namespace always waits for its content to be deleted (the "kubernetes" finalizer,
  // added here too for one stored before namespaces carried it).
  bool ns = kind.kind == "Namespace";
  int64_t grace = pod ? pod_grace(reader.as<k8s::Pod>(), grace_seconds) : 0;
  const char* policy_finalizer = policy == propagation::foreground ? foreground_finalizer
                                 : policy == propagation::orphan   ? orphan_finalizer
                                                                   : nullptr;
  // The finalizers after this delete: the policy asked for replaces the one asked for before
  // (Kubernetes' deletionFinalizersForGarbageCollection, on a first delete as on a later one).
  std::vector<std::string> finalizers;
  std::set<std::string> before;
  for (auto f : meta.getFinalizers()) {
    before.emplace(f.cStr());
    bool policy_one = f == foreground_finalizer || f == orphan_finalizer;
    if (!policy_one || policy == propagation::unset) finalizers.emplace_back(f.cStr());
  }
  if (policy_finalizer) finalizers.emplace_back(policy_finalizer);
  bool finalizers_change = before != std::set<std::string>(finalizers.begin(), finalizers.end());
  bool held = !finalizers.empty() || ns;
  bool marked = meta.getDeletionTimestamp() != 0;
  auto current = meta.getDeletionGracePeriodSeconds();
  int64_t current_grace = current.isUnset() ? 0 : current.getValue();
  if (grace == 0 && !held) return {deletion_plan::action::remove_now, {}};
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.root());
  auto out = meta_of(message.getRoot<capnp::AnyStruct>());
  if (marked) {
    // Being deleted already (Kubernetes' BeforeDelete): a pod's pending grace may only be
    // shortened, counted from when the deletion began, and leaves the finalizers alone
    // otherwise; an object held only by finalizers takes the new policy's.
    bool shorter = grace < current_grace;
    if (current_grace > 0 && !shorter) return {deletion_plan::action::already_marked, {}};
    if (!finalizers_change && !shorter) return {deletion_plan::action::already_marked, {}};
    if (!held && (shorter ? grace : current_grace) == 0) return {deletion_plan::action::remove_now, {}};
    if (shorter) {
      out.setDeletionTimestamp(meta.getDeletionTimestamp() - current_grace + grace);
      out.getDeletionGracePeriodSeconds().setValue(grace);
    }
    if (finalizers_change) set_finalizers(out, finalizers);
    return {deletion_plan::action::mark, to_bytes(message)};
  }
  out.setDeletionTimestamp(now_seconds + grace);
  // Kubernetes' BeforeDelete stamps a grace on every object it marks, 0 where none applies
  // (not on a namespace, which its own registry marks), and counts the deletion as a change
  // of what the object should be: generation + 1 where there is one.
  if (!ns) out.getDeletionGracePeriodSeconds().setValue(grace);
  if (meta.getGeneration() > 0) out.setGeneration(meta.getGeneration() + 1);
  if (finalizers_change) set_finalizers(out, finalizers);
  if (ns) {
    auto terminating = message.getRoot<k8s::Namespace>();
    terminating.getStatus().setPhase(k8s::NamespacePhase::TERMINATING);
    if (auto finalizers =
            with_name(terminating.getSpec().getFinalizers().asReader(), namespace_finalizer))
      fill_names(terminating.getSpec().initFinalizers(static_cast<unsigned>(finalizers->size())),
                 *finalizers);
  }
  return {deletion_plan::action::mark, to_bytes(message)};
}

bool undeletable_namespace(std::string_view name) {
  return name == "default" || name == "kube-system" || name == "kube-public";
}

const std::vector<std::string>& system_namespaces() {
  static const std::vector<std::string> names = {"default", "kube-system", "kube-public", "kube-node-lease"};
  return names;
}

bool deletion_due(const kind_info& kind, std::string_view object) {
  object_reader reader(object);
  auto meta = reader.meta();
  if (meta.getDeletionTimestamp() == 0 || meta.getFinalizers().size() > 0) return false;
  if (kind.kind == "Namespace" && reader.as<k8s::Namespace>().getSpec().getFinalizers().size() > 0)
    return false;
  auto grace = meta.getDeletionGracePeriodSeconds();
  return grace.isUnset() || grace.getValue() == 0;
}

}  // namespace troupe

namespace troupe {

std::string bind_pod(std::string_view stored, const std::string& node, int64_t now_seconds) {
  object_reader reader(stored);
  auto pod = reader.as<k8s::Pod>();
  std::string name = text_string(pod.getMetadata().getName());
  TROUPE_REQUIRE(!node.empty(), api_errc::bad_request, "binding pod " + quote(name) + ": no node named");
  TROUPE_REQUIRE(pod.getSpec().getNodeName().size() == 0, api_errc::conflict,
                 "pod " + name + " is already assigned to node " + quote(text_view(pod.getSpec().getNodeName())));
  TROUPE_REQUIRE(pod.getMetadata().getDeletionTimestamp() == 0, api_errc::bad_request,
                 "pod " + quote(name) + " is being deleted, cannot be assigned to a host");
  TROUPE_REQUIRE(pod.getSpec().getSchedulingGates().size() == 0, api_errc::internal,
                 "pod " + name + " has non-empty .spec.schedulingGates");
  capnp::MallocMessageBuilder m;
  m.setRoot(pod);
  auto out = m.getRoot<k8s::Pod>();
  out.getSpec().setNodeName(node);
  set_pod_condition(out, "PodScheduled", k8s::ConditionStatus::IS_TRUE, "", "", now_seconds);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

}  // namespace troupe
