#include "runtime/rpc/convert.hpp"

#include "runtime/object/object.hpp"

namespace troupe::rpc {

void set_object(capnp::AnyPointer::Builder field, const std::string& bytes) {
  if (bytes.empty()) return;
  object_reader r(bytes);
  field.set(r.any());
}

std::string object_bytes(capnp::AnyPointer::Reader field) {
  if (field.isNull()) return {};
  TROUPE_REQUIRE(field.isStruct(), api_errc::bad_request, "the object must be a struct");
  return copy_to_bytes(field.getAs<capnp::AnyStruct>());
}

api_request from_rpc(Request::Reader in, api_verb verb) {
  api_request out;
  out.verb = static_cast<uint8_t>(verb);
  out.resource = text_string(in.getResource());
  out.ns = text_string(in.getNamespace());
  out.name = text_string(in.getName());
  out.object = object_bytes(in.getObject());
  out.label_selector = text_string(in.getLabelSelector());
  out.field_selector = text_string(in.getFieldSelector());
  out.resource_version = in.getResourceVersion();
  out.dry_run = in.getDryRun();
  out.patch_type = static_cast<uint8_t>(in.getPatchType());
  out.patch = text_string(in.getPatch());
  out.grace_period = in.getGracePeriodSeconds();
  out.propagation = static_cast<uint8_t>(in.getPropagationPolicy());
  out.limit = in.getLimit();
  out.continue_after = text_string(in.getContinueToken());
  return out;
}

void to_rpc(const api_request& in, Request::Builder out) {
  out.setResource(in.resource);
  out.setNamespace(in.ns);
  out.setName(in.name);
  set_object(out.initObject(), in.object);
  out.setLabelSelector(in.label_selector);
  out.setFieldSelector(in.field_selector);
  out.setResourceVersion(in.resource_version);
  out.setDryRun(in.dry_run);
  out.setPatchType(static_cast<PatchType>(in.patch_type));
  out.setPatch(in.patch);
  out.setGracePeriodSeconds(in.grace_period);
  out.setPropagationPolicy(static_cast<PropagationPolicy>(in.propagation));
  out.setLimit(in.limit);
  out.setContinueToken(in.continue_after);
}

void to_rpc(const api_error& e, Status::Builder out) {
  out.setReason(std::string(to_string(e.code())));
  out.setMessage(e.message());
  auto causes = out.initCauses(static_cast<unsigned>(e.causes().size()));
  for (unsigned i = 0; i < causes.size(); ++i) {
    causes[i].setField(e.causes()[i].path);
    causes[i].setMessage(e.causes()[i].message);
  }
}

std::optional<api_error> from_rpc(Status::Reader in) {
  if (in.getReason().size() == 0) return std::nullopt;
  std::vector<field_error> causes;
  for (auto c : in.getCauses()) causes.push_back({text_string(c.getField()), text_string(c.getMessage())});
  return api_error(api_errc_from_string(text_view(in.getReason())), text_string(in.getMessage()),
                   std::move(causes));
}

}  // namespace troupe::rpc
