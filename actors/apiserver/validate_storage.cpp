// Persistent volumes and claims, checked as Kubernetes' core validation checks them.

#include <filesystem>
#include <string>
#include <vector>

#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/core.capnp.h"

namespace troupe::validation_rules {
namespace {

bool has_quantity(capnp::List<k8s::QuantityEntry>::Reader list, std::string_view name) {
  for (auto e : list)
    if (text_view(e.getKey()) == name) return true;
  return false;
}

// Kubernetes' ValidatePositiveQuantityValue.
void positive_quantity(k8s::QuantityEntry::Reader entry, const std::string& path,
                       std::vector<field_error>& out) {
  auto value = quantity::parse(text_view(entry.getValue()));
  if (value && *value <= quantity())
    out.push_back({path, "Invalid value: " + quote(text_view(entry.getValue())) +
                             ": must be greater than zero"});
}

// Kubernetes' validatePathNoBacksteps.
void no_backsteps(std::string_view path, const std::string& at, std::vector<field_error>& out) {
  for (auto& part : split(path, '/'))
    if (part == "..")
      return out.push_back({at, "Invalid value: " + quote(path) + ": must not contain '..'"});
}

}  // namespace

// Kubernetes' ValidatePersistentVolumeSpec, for the volume types troupe's schema has.
void validate_persistent_volume(k8s::PersistentVolume::Reader pv, std::vector<field_error>& out) {
  auto spec = pv.getSpec();
  if (spec.getAccessModes().size() == 0) out.push_back({"spec.accessModes", "Required value"});
  auto capacity = spec.getCapacity();
  if (capacity.size() == 0) out.push_back({"spec.capacity", "Required value"});
  if (!has_quantity(capacity, "storage") || capacity.size() > 1) {
    std::string listed;
    for (auto e : capacity)
      listed += (listed.empty() ? "" : ", ") + quote(text_view(e.getKey())) + ":" +
                quote(text_view(e.getValue()));
    out.push_back({"spec.capacity", "Unsupported value: core.ResourceList{" + listed +
                                        "}: supported values: \"storage\""});
  }
  for (auto e : capacity)
    positive_quantity(e, "spec.capacity[" + text_string(e.getKey()) + "]", out);
  if (spec.getStorageClassName().size() > 0)
    add(out, "spec.storageClassName", text_view(spec.getStorageClassName()),
        check_dns1123_subdomain(text_view(spec.getStorageClassName())));
  switch (spec.which()) {
    case k8s::PersistentVolumeSpec::UNSET:
      out.push_back({"spec", "Required value: must specify a volume type"});
      break;
    case k8s::PersistentVolumeSpec::HOST_PATH: {
      auto path = text_view(spec.getHostPath().getPath());
      if (path.empty()) out.push_back({"spec.hostPath.path", "Required value"});
      no_backsteps(path, "spec.hostPath.path", out);
      if (spec.getPersistentVolumeReclaimPolicy() == k8s::ReclaimPolicy::RECYCLE && !path.empty() &&
          std::filesystem::path(std::string(path)).lexically_normal() == "/")
        out.push_back({"spec.persistentVolumeReclaimPolicy",
                       "Forbidden: may not be 'recycle' for a hostPath mount of '/'"});
      break;
    }
    case k8s::PersistentVolumeSpec::LOCAL: {
      if (!spec.hasNodeAffinity())
        out.push_back({"spec.nodeAffinity", "Required value: Local volume requires node affinity"});
      auto path = text_view(spec.getLocal().getPath());
      if (path.empty())
        out.push_back({"spec.local.path", "Required value"});
      else if (!starts_with(path, "/"))
        out.push_back(
            {"spec.local.path", "Invalid value: " + quote(path) + ": must be an absolute path"});
      no_backsteps(path, "spec.local.path", out);
      break;
    }
    case k8s::PersistentVolumeSpec::CSI: {
      // Kubernetes' validateCSIPersistentVolumeSource.
      auto csi = spec.getCsi();
      std::string driver = text_string(csi.getDriver());
      if (driver.empty()) out.push_back({"spec.csi.driver", "Required value"});
      if (driver.size() > 63)
        out.push_back({"spec.csi.driver", "Too long: must have at most 63 bytes"});
      add(out, "spec.csi.driver", driver, check_dns1123_subdomain(to_lower(driver)));
      if (csi.getVolumeHandle().size() == 0)
        out.push_back({"spec.csi.volumeHandle", "Required value"});
      // validatePVSecretReference for the references Kubernetes checks, in its order.
      auto secret_ref = [&](const char* field, k8s::SecretReference::Reader ref) {
        std::string at = std::string("spec.csi.") + field;
        auto name = text_view(ref.getName()), ns = text_view(ref.getNamespace());
        if (name.empty())
          out.push_back({at + ".name", "Required value"});
        else
          add(out, at + ".name", name, check_dns1123_subdomain(name));
        if (ns.empty())
          out.push_back({at + ".namespace", "Required value"});
        else
          add(out, at + ".namespace", ns, check_dns1123_label(ns));
      };
      if (csi.hasControllerPublishSecretRef())
        secret_ref("controllerPublishSecretRef", csi.getControllerPublishSecretRef());
      if (csi.hasControllerExpandSecretRef())
        secret_ref("controllerExpandSecretRef", csi.getControllerExpandSecretRef());
      if (csi.hasNodePublishSecretRef())
        secret_ref("nodePublishSecretRef", csi.getNodePublishSecretRef());
      if (csi.hasNodeExpandSecretRef())
        secret_ref("nodeExpandSecretRef", csi.getNodeExpandSecretRef());
      break;
    }
    case k8s::PersistentVolumeSpec::NFS: {
      auto nfs = spec.getNfs();
      if (nfs.getServer().size() == 0) out.push_back({"spec.nfs.server", "Required value"});
      if (nfs.getPath().size() == 0) out.push_back({"spec.nfs.path", "Required value"});
      if (!starts_with(text_view(nfs.getPath()), "/"))
        out.push_back({"spec.nfs.path", "Invalid value: " + quote(text_view(nfs.getPath())) +
                                            ": must be an absolute path"});
      break;
    }
  }
}

// Kubernetes' ValidatePersistentVolumeClaimSpec.
void validate_claim(k8s::PersistentVolumeClaim::Reader pvc, std::vector<field_error>& out) {
  auto spec = pvc.getSpec();
  if (spec.getAccessModes().size() == 0)
    out.push_back({"spec.accessModes", "Required value: at least 1 access mode is required"});
  if (spec.hasSelector()) validate_label_selector(spec.getSelector(), "spec.selector", out);
  bool has_storage = false;
  for (auto e : spec.getResources().getRequests())
    if (text_view(e.getKey()) == "storage") {
      has_storage = true;
      positive_quantity(e, "spec.resources[storage]", out);
    }
  if (!has_storage) out.push_back({"spec.resources[storage]", "Required value"});
  auto storage_class = spec.getStorageClassName();
  if (storage_class.isValue() && storage_class.getValue().size() > 0)
    add(out, "spec.storageClassName", text_view(storage_class.getValue()),
        check_dns1123_subdomain(text_view(storage_class.getValue())));
  // Kubernetes' validateDataSource and validateDataSourceRef, and that the two agree.
  auto data_source = [&](auto ref, const std::string& at) {
    if (ref.getName().size() == 0) out.push_back({at + ".name", "Required value"});
    if (ref.getKind().size() == 0) out.push_back({at + ".kind", "Required value"});
    auto group = text_view(ref.getApiGroup());
    if (group.empty() && ref.getKind() != "PersistentVolumeClaim")
      out.push_back(
          {at, "Invalid value: " + quote(text_view(ref.getKind())) +
                   ": must be 'PersistentVolumeClaim' when referencing the default apiGroup"});
    if (!group.empty()) add(out, at + ".apiGroup", group, check_dns1123_subdomain(group));
  };
  if (spec.hasDataSource()) data_source(spec.getDataSource(), "spec.dataSource");
  if (spec.hasDataSourceRef()) {
    auto ref = spec.getDataSourceRef();
    data_source(ref, "spec.dataSourceRef");
    if (ref.getNamespace().size() > 0) {
      if (spec.hasDataSource())
        out.push_back({"spec",
                       "Invalid value: \"spec.dataSource\": may not be specified when "
                       "dataSourceRef.namespace is specified"});
    } else if (spec.hasDataSource()) {
      auto source = spec.getDataSource();
      if (source.getApiGroup() != ref.getApiGroup() || source.getKind() != ref.getKind() ||
          source.getName() != ref.getName())
        out.push_back({"spec", "Invalid value: \"spec.dataSource\": must match dataSourceRef"});
    }
  }
}

}  // namespace troupe::validation_rules
