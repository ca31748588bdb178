#include "runtime/object/validation.hpp"

#include <catch2/catch.hpp>

using namespace troupe;

TEST_CASE("object names follow RFC 1123", "[validation]") {
  CHECK(check_dns1123_subdomain("web").empty());
  CHECK(check_dns1123_subdomain("web-1.example.com").empty());
  CHECK(check_dns1123_subdomain(std::string(253, 'a')).empty());
  CHECK_FALSE(check_dns1123_subdomain(std::string(254, 'a')).empty());
  for (auto bad : {"", "Web", "-web", "web-", "web_1", "web..x", "web.", ".web", "we b"}) {
    INFO(bad);
    CHECK_FALSE(check_dns1123_subdomain(bad).empty());
  }
  CHECK(check_dns1123_label("kube-system").empty());
  CHECK_FALSE(check_dns1123_label("a.b").empty());
  CHECK_FALSE(check_dns1123_label(std::string(64, 'a')).empty());
  CHECK(check_dns1035_label("web").empty());
  CHECK(check_path_segment_name("system:Node-Reader").empty());
  CHECK(check_env_var_name("MY_ENV.name-1").empty());
  CHECK(check_env_var_name("1BAD").size() == 1);
  CHECK(check_env_var_name("A B").size() == 1);
  CHECK(check_env_var_name("..x") == messages{"must not start with '..'"});
  CHECK(check_path_segment_name("..") == messages{"may not be '..'"});
  CHECK(check_path_segment_name("a/b%c") == messages{"may not contain '/'", "may not contain '%'"});
  CHECK_FALSE(check_dns1035_label("1web").empty());
  CHECK(check_dns1123_label("1web").empty());
}

TEST_CASE("label keys and values", "[validation]") {
  for (auto good : {"app", "app.kubernetes.io/name", "example.com/A_b-c.d", "k8s.io/x", "A"}) {
    INFO(good);
    CHECK(check_qualified_name(good).empty());
  }
  for (auto bad : {"", "/app", "Example.com/app", "app/", "a/b/c", "-app", "app-",
                   "toolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongxx"}) {
    INFO(bad);
    CHECK_FALSE(check_qualified_name(bad).empty());
  }
  CHECK(check_label_value("").empty());
  CHECK(check_label_value("v1.2_3-x").empty());
  CHECK_FALSE(check_label_value("has space").empty());
  CHECK_FALSE(check_label_value("-x").empty());
  CHECK_FALSE(check_label_value(std::string(64, 'v')).empty());
}

TEST_CASE("config keys env names ports", "[validation]") {
  CHECK(check_config_map_key("app.properties").empty());
  CHECK(check_config_map_key("KEY_1-x").empty());
  CHECK_FALSE(check_config_map_key("a/b").empty());
  CHECK_FALSE(check_config_map_key("..").empty());
  CHECK(check_env_var_name("MY_VAR").empty());
  CHECK(check_env_var_name("my.var-1").empty());
  CHECK_FALSE(check_env_var_name("A=B").empty());
  CHECK_FALSE(check_env_var_name("").empty());
  CHECK(check_port_name("http").empty());
  CHECK(check_port_name("metrics-9090").empty());
  CHECK_FALSE(check_port_name("HTTP").empty());
  CHECK_FALSE(check_port_name("8080").empty());
  CHECK_FALSE(check_port_name("a--b").empty());
  CHECK_FALSE(check_port_name("toolongportname1").empty());
  CHECK(check_port_number(1).empty());
  CHECK(check_port_number(65535).empty());
  CHECK_FALSE(check_port_number(0).empty());
  CHECK_FALSE(check_port_number(65536).empty());
}
