// `troupe diff -f`: what apply would change, through the server's dry run, shown by `diff -u
// -N` (or $KUBECTL_EXTERNAL_DIFF) over a LIVE and a MERGED directory, as kubectl diff does.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "runtime/base/text.hpp"
#include "runtime/cli/manifests.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {

using codec::node;
namespace fs = std::filesystem;

namespace {

// kubectl diff's masking of Secret values: "***", or "*** (before)" / "*** (after)" where a
// value changes, so a diff shows which keys change without showing what they hold. Unlike
// kubectl, the last-applied record (which holds the manifest's values) is masked too.
void mask_secret(node* live, node* merged) {
  auto record = [](node* secret) -> node* {
    node* annotations = secret ? secret->find("metadata") : nullptr;
    annotations = annotations && annotations->is_map() ? annotations->find("annotations") : nullptr;
    node* value = annotations && annotations->is_map() ? annotations->find(last_applied) : nullptr;
    return value && value->is_scalar() ? value : nullptr;
  };
  node *record_before = record(live), *record_after = record(merged);
  bool record_changed = record_before && record_after && !(*record_before == *record_after);
  if (record_before) *record_before = node::string(record_changed ? "*** (before)" : "***");
  if (record_after) *record_after = node::string(record_changed ? "*** (after)" : "***");
  for (const char* field : {"data", "stringData"}) {
    node* before = live && live->find(field) && live->find(field)->is_map() ? live->find(field) : nullptr;
    node* after = merged && merged->find(field) && merged->find(field)->is_map() ? merged->find(field) : nullptr;
    if (before && after)
      for (auto& [key, value] : after->entries())
        if (node* old = before->find(key); old && !(*old == value)) {
          *old = node::string("*** (before)");
          value = node::string("*** (after)");
        }
    for (node* side : {before, after})
      if (side)
        for (auto& [key, value] : side->entries())
          if (!starts_with(value.text(), "*** (")) value = node::string("***");
  }
}

// A file name as kubectl diff gives each object: group.version.Kind.namespace.name.
std::string diff_file_name(const kind_info& kind, const std::string& ns, const std::string& name) {
  std::string version = kind.api_version();
  std::replace(version.begin(), version.end(), '/', '.');
  return version + "." + kind.kind + "." + (ns.empty() ? "" : ns + ".") + name;
}

// `diff -u -N FROM TO`, or as kubectl runs $KUBECTL_EXTERNAL_DIFF: split at spaces, the
// program, FROM, TO, then its flags that are plain ([a-zA-Z0-9-=]; others are dropped).
std::vector<std::string> diff_command(const std::string& from, const std::string& to) {
  const char* external = std::getenv("KUBECTL_EXTERNAL_DIFF");
  if (!external || !*external) return {"diff", "-u", "-N", from, to};
  std::vector<std::string> words;
  for (auto& word : split(external, ' ')) {
    if (word.empty()) continue;
    bool plain = std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '=';
    });
    if (words.empty()) words.insert(words.end(), {word, from, to});
    else if (plain) words.push_back(word);
  }
  return words;
}

// Runs `argv` (no shell) with its output on `out`: the process's own stdout when `out` is
// std::cout (so a tool that colours for a terminal still can), else through a pipe. Its exit
// code, 2 if a signal ended it.
int run_into(const std::vector<std::string>& argv, std::ostream& out) {
  bool direct = &out == &std::cout;
  out.flush();
  int fds[2] = {-1, -1};
  if (!direct)
    TROUPE_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0, api_errc::internal,
                   "diff: cannot make a pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!direct) posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (!direct) ::close(fds[1]);
  if (rc != 0) {
    if (!direct) ::close(fds[0]);
    throw api_error(api_errc::internal, "diff: cannot run " + quote(argv[0]) + ": " + std::strerror(rc));
  }
  char buffer[4096];
  for (ssize_t n; !direct && (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.write(buffer, n);
  }
  if (!direct) ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int diff_documents(context& ctx) {
  auto documents = read_manifests(ctx, "diff");
  ctx.flags.add("dry-run", "server");  // the merged side is what the server would store
  std::string pattern = (fs::temp_directory_path() / "troupe-diff-XXXXXX").string();
  TROUPE_REQUIRE(::mkdtemp(pattern.data()), api_errc::internal,
                 "diff: cannot make a temporary directory: " + std::string(std::strerror(errno)));
  fs::path base = pattern;
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_later{base};
  auto live_dir = base / "LIVE", merged_dir = base / "MERGED";
  fs::create_directories(live_dir);
  fs::create_directories(merged_dir);
  int status = for_each_manifest(ctx, documents, "diffing", [&](const codec::manifest& m, const std::string& ns) {
    auto& kind = *m.kind;
    node desired = desired_of(m, ns);
    auto live = live_of(ctx, m, ns);
    std::optional<node> before;
    node after;
    if (!live) {
      auto req = request_for(m, ns, codec::decode_object(desired, kind, m.origin));
      after = codec::encode_object(ctx.api().call(api_verb::create, req).object, kind);
    } else {
      before = codec::encode_object(live->object, kind);
      after = codec::encode_object(
          ctx.patch(kind, ns, name_of(m), apply_patch(*before, desired), patch_type::strategic).object, kind);
    }
    if (kind.kind == "Secret") mask_secret(before ? &*before : nullptr, &after);
    if (auto* meta = after.find("metadata"); meta && text_at(*meta, {"resourceVersion"}).empty())
      meta->erase("resourceVersion");  // a new object has none yet
    auto file = diff_file_name(kind, ns, text_at(after, {"metadata", "name"}));
    if (before) std::ofstream(live_dir / file) << codec::to_yaml(codec::with_sorted_keys(*before));
    std::ofstream(merged_dir / file) << codec::to_yaml(codec::with_sorted_keys(after));
  });
  // Exit codes as kubectl diff: 0 no differences, 1 differences, above 1 an error.
  int diff_status = run_into(diff_command(live_dir.string(), merged_dir.string()), ctx.out);
  if (status != 0) return std::max(diff_status, 2);  // an object could not be diffed
  return diff_status;
}

}  // namespace

int cmd_diff(context& ctx) {
  // 1 means "differences", so an error is 2 here, as in kubectl diff.
  try {
    refuse_positional(ctx);
    return diff_documents(ctx);
  } catch (const rpc::server_error& e) {
    print_server_error(ctx.err, e);
  } catch (const api_error& e) {
    ctx.err << "error: " << e.message() << "\n";
  } catch (const rpc::connection_error& e) {
    ctx.err << e.what() << "\n";
  } catch (const std::exception& e) {  // the temporary files could not be written
    ctx.err << "error: diff: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace troupe::cli
