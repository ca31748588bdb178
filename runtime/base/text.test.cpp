// Text helpers: quoting as Go's %q does.

#include <catch2/catch.hpp>

#include "runtime/base/text.hpp"

using troupe::quote;

TEST_CASE("quote escapes as Go's %q does", "[base][text]") {
  CHECK(quote("web-1") == "\"web-1\"");
  CHECK(quote("say \"hi\" \\ back") == "\"say \\\"hi\\\" \\\\ back\"");
  CHECK(quote("a\tb\nc\rd\ae\bf\fg\vh") == "\"a\\tb\\nc\\rd\\ae\\bf\\fg\\vh\"");
  CHECK(quote(std::string("nul\0", 4)) == "\"nul\\x00\"");
  CHECK(quote("\x1b[31mred") == "\"\\x1b[31mred\"");
  CHECK(quote("del\x7f") == "\"del\\x7f\"");
  // Printable text in any script stays as it is.
  CHECK(quote("naïve 日本 🚀") == "\"naïve 日本 🚀\"");
  // C1 controls (here CSI, which a terminal obeys), non-breaking and other spaces, soft hyphen,
  // bidirectional overrides, the BOM and tags are escaped as code points.
  CHECK(quote("\xc2\x9b" "31m") == "\"\\u009b31m\"");
  CHECK(quote("a\xc2\xa0" "b\xc2\xad" "c") == "\"a\\u00a0b\\u00adc\"");
  CHECK(quote("\xe2\x80\xae" "evil\xe2\x80\xac") == "\"\\u202eevil\\u202c\"");
  CHECK(quote("\xef\xbb\xbfx\xe2\x80\xa8") == "\"\\ufeffx\\u2028\"");
  CHECK(quote("\xf3\xa0\x80\x81") == "\"\\U000e0001\"");
  // Private use and noncharacters too.
  CHECK(quote("\xee\x80\x80\xef\xbf\xbe\xf0\x9f\xbf\xbf") == "\"\\ue000\\ufffe\\U0001ffff\"");
  // Bytes that are not UTF-8 are shown one by one: stray continuation bytes, overlong forms,
  // surrogates, sequences cut short, and past U+10FFFF.
  CHECK(quote("\xff\x80") == "\"\\xff\\x80\"");
  CHECK(quote("\xc0\xaf") == "\"\\xc0\\xaf\"");
  CHECK(quote("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\"");
  CHECK(quote("ab\xe6\x97") == "\"ab\\xe6\\x97\"");
  CHECK(quote("\xf4\x90\x80\x80") == "\"\\xf4\\x90\\x80\\x80\"");
}

TEST_CASE("append_utf8 writes one to four bytes", "[base][text]") {
  std::string out;
  for (uint32_t cp : {0x41u, 0xe9u, 0x65e5u, 0x1f680u}) troupe::append_utf8(out, cp);
  CHECK(out == "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x9a\x80");
}

TEST_CASE("valid_utf8 is Go's utf8.Valid", "[base][text]") {
  CHECK(troupe::valid_utf8(""));
  CHECK(troupe::valid_utf8(std::string("nul\0 and caf\xc3\xa9 \xf0\x9f\x98\x80", 19)));
  CHECK_FALSE(troupe::valid_utf8("\x89PNG"));
  CHECK_FALSE(troupe::valid_utf8("\xc0\xaf"));       // overlong
  CHECK_FALSE(troupe::valid_utf8("\xed\xa0\x80"));   // a surrogate
  CHECK_FALSE(troupe::valid_utf8("cut \xe2\x82"));    // cut short
}
