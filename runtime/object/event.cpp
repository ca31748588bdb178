#include "runtime/object/event.hpp"

#include <capnp/message.h>

#include <cstdio>

#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

namespace troupe {

std::string event_name(std::string_view object_name, int64_t nanos) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos));
  return std::string(object_name) + suffix;
}

std::string new_event(std::string_view object, std::string_view kind, const event_fields& f,
                      int64_t first_micros, int64_t last_micros, int32_t count,
                      std::string_view name) {
  object_reader r(object);
  auto meta = r.meta();
  capnp::MallocMessageBuilder m;
  auto ev = m.initRoot<k8s::Event>();
  ev.setApiVersion("v1");
  ev.setKind("Event");
  auto em = ev.initMetadata();
  em.setName(name.empty() ? event_name(text_view(meta.getName()), first_micros * 1000)
                          : std::string(name));
  em.setNamespace(meta.getNamespace().size() ? meta.getNamespace() : "default");
  auto involved = ev.initInvolvedObject();
  involved.setKind(std::string(kind));
  // Every kind's schema starts with apiVersion, kind and metadata, in that order.
  auto pointers = r.root().getPointerSection();
  involved.setApiVersion(pointers.size() ? pointers[0].getAs<capnp::Text>() : "v1");
  involved.setNamespace(meta.getNamespace());
  involved.setName(meta.getName());
  involved.setUid(meta.getUid());
  involved.setResourceVersion(meta.getResourceVersion());
  if (!f.field_path.empty()) involved.setFieldPath(f.field_path);
  ev.setReason(f.reason);
  ev.setMessage(f.message);
  auto source = ev.initSource();
  source.setComponent(f.component);
  if (!f.host.empty()) source.setHost(f.host);
  ev.setType(f.type);
  ev.setFirstTimestamp(first_micros / 1000000);
  ev.setLastTimestamp(last_micros / 1000000);
  // A legacy (core v1) event, as the kubelet's recorder makes them: no eventTime, no action.
  ev.setCount(count);
  ev.setReportingComponent(f.component);
  if (!f.host.empty()) ev.setReportingInstance(f.host);
  return to_bytes(m);
}

std::string node_status_event(std::string_view node, std::string_view status, std::string_view component,
                              std::string_view host, int64_t micros, std::string_view name) {
  object_reader r(node);
  std::string message = "Node " + text_string(r.meta().getName()) + " status is now: " + std::string(status);
  return new_event(node, "Node", {"Normal", std::string(status), message, std::string(component), std::string(host), ""},
                   micros, micros, 1, name);
}

}  // namespace troupe
