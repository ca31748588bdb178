#pragma once
// `troupe VERB --help` and `troupe help VERB` in kubectl's layout: what the verb does, examples,
// its options and usage. The options come from the table the verb's flags are parsed with, so
// a verb cannot take a flag its help leaves out.

#include <map>
#include <string>

namespace troupe::cli {

struct flag_help {
  const char* fallback;  ///< the default as kubectl shows it ("'background'", "-1"); "" for none
  const char* text;
};

/// Every flag's help, keyed "flag" or, where a verb gives the flag its own meaning or default,
/// "verb/flag".
const std::map<std::string, flag_help>& flag_helps();

/// What `flag` means to `verb`: its "verb/flag" entry, else its "flag" one; nullptr for none.
const flag_help* find_flag_help(const std::string& verb, const std::string& flag);

/// The help for one of run_cli's verbs; throws api_error(bad_request) for anything else.
std::string verb_help(const std::string& verb);

}  // namespace troupe::cli
