#pragma once
// Small objects for tests, built directly as Cap'n Proto.

#include <capnp/message.h>

#include <map>
#include <string>

#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

namespace troupe::testing {

inline std::string config_map(const std::string& ns, const std::string& name,
                              const std::map<std::string, std::string>& data = {},
                              const std::map<std::string, std::string>& labels = {}) {
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<k8s::ConfigMap>();
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  auto meta = cm.initMetadata();
  meta.setName(name);
  meta.setNamespace(ns);
  if (!labels.empty()) fill_map(meta.initLabels(labels.size()), labels);
  if (!data.empty()) fill_map(cm.initData(data.size()), data);
  return to_bytes(m);
}

inline std::string pod(const std::string& ns, const std::string& name,
                       const std::string& node_name = "",
                       const std::map<std::string, std::string>& labels = {},
                       size_t padding_bytes = 0) {
  capnp::MallocMessageBuilder m;
  auto p = m.initRoot<k8s::Pod>();
  p.setApiVersion("v1");
  p.setKind("Pod");
  auto meta = p.initMetadata();
  meta.setName(name);
  meta.setNamespace(ns);
  if (!labels.empty()) fill_map(meta.initLabels(labels.size()), labels);
  if (padding_bytes) {
    auto annotations = meta.initAnnotations(1);
    annotations[0].setKey("example.com/padding");
    annotations[0].setValue(std::string(padding_bytes, 'x'));
  }
  auto spec = p.initSpec();
  spec.setNodeName(node_name);
  auto c = spec.initContainers(1)[0];
  c.setName("main");
  c.setImage("busybox:1.36");
  auto cmd = c.initCommand(2);
  cmd.set(0, "sleep");
  cmd.set(1, "3600");
  return to_bytes(m);
}

inline std::string data_of(const std::string& bytes, const std::string& key) {
  object_reader r(bytes);
  auto v = map_get(r.as<k8s::ConfigMap>().getData(), key);
  return v ? std::string(*v) : std::string();
}

inline std::string resource_version(const std::string& bytes) {
  object_reader r(bytes);
  return r.meta().getResourceVersion();
}

inline std::string node_name_of(const std::string& bytes) {
  object_reader r(bytes);
  return r.as<k8s::Pod>().getSpec().getNodeName();
}

}  // namespace troupe::testing
