#include "runtime/codec/wire_check.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <string>

#include "runtime/base/error.hpp"
#include "schema/core.capnp.h"

using namespace troupe;

namespace {

void fill(k8s::ConfigMap::Builder cm) {
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  cm.getMetadata().setName("c");
  auto labels = cm.getMetadata().initLabels(2);
  labels[0].setKey("a");
  labels[0].setValue("1");
  labels[1].setKey("b");
  labels[1].setValue("2");
  auto data = cm.initData(1);
  data[0].setKey("k");
  data[0].setValue("v");
}

std::string refusal(capnp::AnyStruct::Reader object,
                    capnp::StructSchema schema = capnp::Schema::from<k8s::ConfigMap>()) {
  codec::wire_shape shape(schema);
  try {
    shape.check(object);
  } catch (const api_error& e) {
    CHECK(e.code() == api_errc::bad_request);
    return e.message();
  }
  return "";
}

// The same ConfigMap in a root struct with one word and two pointers more than the schema's,
// as a client with a newer (or a hand-written) schema would send.
struct wider {
  capnp::MallocMessageBuilder message;
  capnp::AnyStruct::Builder root;
  wider() : root(nullptr) {
    capnp::MallocMessageBuilder plain;
    fill(plain.initRoot<k8s::ConfigMap>());
    auto shape = capnp::Schema::from<k8s::ConfigMap>().getProto().getStruct();
    root = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(shape.getDataWordCount() + 1,
                                                                shape.getPointerCount() + 2);
    auto from = plain.getRoot<capnp::AnyStruct>().asReader();
    for (unsigned i = 0; i < from.getPointerSection().size(); ++i)
      root.getPointerSection()[i].set(from.getPointerSection()[i]);
  }
  capnp::AnyStruct::Reader read() { return root.asReader(); }
};

}  // namespace

TEST_CASE("objects sent as Cap'n Proto hold only what their schema declares", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto cm = message.initRoot<k8s::ConfigMap>();
  fill(cm);
  CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader()).empty());

  SECTION("a larger struct whose extra words and pointers are empty passes") {
    wider w;
    CHECK(refusal(w.read()).empty());
  }
  SECTION("bytes where no field is are refused, not stored unseen") {
    wider w;
    w.root.getPointerSection()[w.root.getPointerSection().size() - 1].setAs<capnp::Text>("hidden");
    CHECK(refusal(w.read()) == "the object: a value beyond the fields its schema declares");
    wider d;
    d.root.getDataSection()[d.root.getDataSection().size() - 1] = 7;
    CHECK(refusal(d.read()) == "the object: data beyond the fields its schema declares");
  }
  SECTION("nested structs are held to their schema too") {
    capnp::MallocMessageBuilder m;
    auto root = m.initRoot<k8s::ConfigMap>();
    fill(root);
    auto meta_shape = capnp::Schema::from<k8s::ObjectMeta>().getProto().getStruct();
    auto any = m.getRoot<capnp::AnyStruct>();
    capnp::MallocMessageBuilder copy;
    copy.setRoot(root.getMetadata().asReader());
    auto meta = any.getPointerSection()[2].initAsAnyStruct(meta_shape.getDataWordCount(),
                                                           meta_shape.getPointerCount() + 1);
    auto old = copy.getRoot<capnp::AnyStruct>().asReader();
    for (unsigned i = 0; i < old.getPointerSection().size(); ++i)
      meta.getPointerSection()[i].set(old.getPointerSection()[i]);
    meta.getPointerSection()[meta_shape.getPointerCount()].setAs<capnp::Text>("hidden");
    CHECK(refusal(m.getRoot<capnp::AnyStruct>().asReader()) ==
          "metadata: a value beyond the fields its schema declares");
  }
  SECTION("text that is not UTF-8") {
    cm.getMetadata().getLabels()[1].setValue(capnp::Text::Reader("\xff\xfe", 2));
    CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader()) ==
          "metadata.labels[1].value: invalid UTF-8 in a string");
  }
  SECTION("a map with one key twice") {
    cm.getMetadata().getLabels()[1].setKey("a");
    CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader()) ==
          "metadata.labels: duplicate key \"a\"");
  }
  SECTION("a pointer of another type than its field's") {
    message.getRoot<capnp::AnyStruct>().getPointerSection()[2].setAs<capnp::Text>("not metadata");
    CHECK_THAT(refusal(message.getRoot<capnp::AnyStruct>().asReader()),
               Catch::StartsWith("metadata: not a value of the field's type ("));
  }
}

TEST_CASE("what a union does not select and lists encoded otherwise are refused too", "[codec]") {
  auto int_or_string = capnp::Schema::from<k8s::IntOrString>();
  capnp::MallocMessageBuilder message;
  auto value = message.initRoot<k8s::IntOrString>();
  value.setStr("http");
  CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader(), int_or_string).empty());
  // `int` selected, the string's slot still holding bytes that nothing reads.
  message.getRoot<capnp::AnyStruct>().getDataSection()[0] = 80;  // int's value ...
  message.getRoot<capnp::AnyStruct>().getDataSection()[4] = 0;   // ... and the int member
  CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader(), int_or_string) ==
        "the object: a value in a field its union does not select");
  message.getRoot<capnp::AnyStruct>().getDataSection()[4] = 7;  // no member 7
  CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader(), int_or_string) ==
        "the object: a union member its schema does not declare");

  // Text read from a list of structs (Cap'n Proto's upgrade rule): the rest of each struct
  // would be kept unseen.
  capnp::MallocMessageBuilder pod_message;
  auto container = pod_message.initRoot<k8s::Container>();
  container.setName("c");
  auto args =
      pod_message.getRoot<capnp::AnyStruct>().getPointerSection()[3].initAsListOfAnyStruct(1, 2, 1);
  args[0].getPointerSection()[0].setAs<capnp::Text>("sleep");
  args[0].getPointerSection()[1].setAs<capnp::Text>("hidden");
  CHECK(refusal(pod_message.getRoot<capnp::AnyStruct>().asReader(),
                capnp::Schema::from<k8s::Container>()) ==
        "args: a list encoded otherwise than its schema declares");
}

TEST_CASE("two map items without a key are one key twice", "[codec]") {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<k8s::ConfigMap>());
  auto data = message.getRoot<k8s::ConfigMap>().initData(2);
  data[0].setValue("a");
  data[1].setValue("b");
  CHECK(refusal(message.getRoot<capnp::AnyStruct>().asReader()) == "data: duplicate key \"\"");
}
