#include "runtime/object/quantity.hpp"

#include <catch2/catch.hpp>

using namespace troupe;

TEST_CASE("quantities parse exactly", "[quantity]") {
  struct row {
    const char* text;
    int64_t milli;
  };
  for (auto r : {row{"500m", 500}, row{"1", 1000}, row{"2", 2000}, row{"0.5", 500},
                 row{"1.5", 1500}, row{".25", 250}, row{"128Mi", 134217728LL * 1000},
                 row{"1.5Gi", 1610612736LL * 1000}, row{"1Ki", 1024000}, row{"1k", 1000000},
                 row{"1M", 1000000000LL}, row{"2e3", 2000000}, row{"1E-3", 1},
                 row{"100n", 1}, row{"1u", 1}, row{"0", 0}, row{"-1", -1000},
                 row{"+5", 5000}, row{"0.1Gi", 107374183LL * 1000 - 600},
                 row{"1.", 1000}}) {
    INFO(r.text);
    auto q = quantity::parse(r.text);
    REQUIRE(q);
    CHECK(q->milli() == r.milli);
  }
}

TEST_CASE("binary suffixes never round through floating point", "[quantity]") {
  // 0.1Gi = 107374182.4 bytes: exact milli value, value() rounds up.
  auto q = quantity::parse("0.1Gi");
  REQUIRE(q);
  CHECK(q->milli() == 107374182400LL);
  CHECK(q->value() == 107374183);
  CHECK(quantity::parse("1.5Gi")->value() == 1610612736LL);
  CHECK(quantity::parse("3Ti")->value() == 3LL * 1024 * 1024 * 1024 * 1024);
  CHECK(quantity::parse("100m")->value() == 1);
}

TEST_CASE("bad quantities are rejected with a reason", "[quantity]") {
  for (auto text : {"", "abc", "5x", "1.2.3", "Mi", "1e", "1e9999", "--1", "1 Mi", "m"}) {
    INFO(text);
    std::string why;
    CHECK_FALSE(quantity::parse(text, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("quantities format for tables", "[quantity]") {
  CHECK(quantity::parse("250m")->format_decimal() == "250m");
  CHECK(quantity::parse("2")->format_decimal() == "2");
  CHECK(quantity::parse("128Mi")->format_binary() == "128Mi");
  CHECK(quantity::parse("1.5Gi")->format_binary() == "1536Mi");
  CHECK(quantity::parse("1000")->format_binary() == "1000");
  CHECK((*quantity::parse("1") + *quantity::parse("500m")).milli() == 1500);
  CHECK(*quantity::parse("1Gi") < *quantity::parse("1025Mi"));
}

TEST_CASE("quantities are stored in Kubernetes' canonical spelling", "[quantity]") {
  struct row {
    const char* text;
    const char* canonical;
  } rows[] = {{"1000m", "1"},     {"0.5", "500m"},     {"1024Mi", "1Gi"},  {"1.5Gi", "1536Mi"},
              {"1e9", "1e9"},     {"12e4", "120e3"},   {"1.5e3", "1500"}, {"2000", "2k"},
              {"1500", "1500"},   {"100Mi", "100Mi"},  {"512", "512"},    {"1Ki", "1Ki"},
              {"0.5Ki", "512"},   {"1023Ki", "1023Ki"}, {"0", "0"},       {"0Mi", "0"},
              {"-2000m", "-2"},   {"+3", "3"},         {"250m", "250m"},  {"1E", "1E"},
              {"1.5E", "1500P"},  {"2Ei", "2Ei"},      {"3e0", "3"},      {"0e-34", "0"}};
  for (auto& r : rows) {
    INFO(r.text);
    auto got = quantity::canonical(r.text);
    REQUIRE(got);
    CHECK(*got == r.canonical);
  }
  CHECK_FALSE(quantity::canonical("1.5m"));  // finer than a milli-unit: kept as written (Kubernetes: 1500u)
  CHECK_FALSE(quantity::canonical("abc"));
  CHECK(quantity::parse("0e-34")->is_zero());  // vanishingly small rounds up to a milli, zero stays zero
}

TEST_CASE("a resource in a divisor's units rounds up as the downward API gives it", "[quantity]") {
  CHECK(quantity::parse("128Mi")->in_units_of(quantity::parse("1Mi"), false) == 128);
  CHECK(quantity::parse("1500000")->in_units_of(quantity::parse("1Mi"), false) == 2);
  CHECK(quantity::parse("250m")->in_units_of(std::nullopt, true) == 1);
  CHECK(quantity::parse("250m")->in_units_of(quantity::parse("1m"), true) == 250);
  CHECK(quantity::parse("2")->in_units_of(quantity::parse("0"), false) == 2);  // a zero divisor is 1
}
