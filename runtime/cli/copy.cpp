// `troupe cp`: files and directories to and from a container, as kubectl cp copies them: a tar
// archive made on one side and unpacked on the other, carried by exec. Exec returns a command's
// output when it ends, so an archive is held whole on its way: at most 32 MiB.

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/cli/untar.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/process/launcher.hpp"

extern char** environ;

namespace troupe::cli {
namespace {

constexpr size_t max_archive = exec_max_bytes;  // both ways through exec
constexpr int64_t tar_timeout_ms = 10 * 60 * 1000;

// [[namespace/]pod:]path, as kubectl reads it: without a ':' a local path.
struct file_spec {
  std::string ns, pod, path;
  bool remote() const { return !pod.empty(); }
};

file_spec parse_spec(const std::string& arg) {
  file_spec f;
  auto colon = arg.find(':');
  TROUPE_REQUIRE(colon != 0, api_errc::bad_request, "filespec must match the canonical format: [[namespace/]pod:]file/path");
  if (colon == std::string::npos) {
    f.path = arg;
    return f;
  }
  auto pod = arg.substr(0, colon);
  f.path = arg.substr(colon + 1);
  auto pieces = split(pod, '/');
  TROUPE_REQUIRE(pieces.size() <= 2, api_errc::bad_request, "filespec must match the canonical format: [[namespace/]pod:]file/path");
  if (pieces.size() == 2) f.ns = pieces[0];
  f.pod = pieces.back();
  TROUPE_REQUIRE(!f.pod.empty(), api_errc::bad_request, "filespec must match the canonical format: [[namespace/]pod:]file/path");
  return f;
}

// "a/b//" -> "a/b"; "/" stays.
std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// A path's last part and the directory it is in, trailing slashes aside: "a/b/" -> ("a", "b").
std::pair<std::string, std::string> split_path(const std::string& given) {
  auto path = without_trailing_slashes(given);
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// GNU tar's --transform renaming the archive's top entry `from` to `to` (its contents follow),
// for regular and hard link names, not symlink targets.
std::string rename_top(const std::string& from, const std::string& to) {
  auto escape = [](const std::string& text, const char* special) {
    std::string out;
    for (char c : text) {
      if (std::strchr(special, c)) out += '\\';
      out += c;
    }
    return out;
  };
  return "--transform=s,^" + escape(from, "\\^$.*[],") + "\\(/\\|$\\)," + escape(to, "\\&,") + "\\1,rhS";
}

struct target {
  std::string ns, pod, container;
};

// `notes`: where the default-container note goes (kubectl: stdout for a download).
target target_of(context& ctx, const file_spec& spec, std::ostream& notes) {
  target t{spec.ns.empty() ? ctx.ns() : spec.ns, spec.pod, ""};
  auto& pods = ctx.kind("pods");
  t.container = exec_container(ctx, codec::encode_object(ctx.get(pods, t.ns, t.pod).object, pods), &notes);
  return t;
}

exec_reply run_in(context& ctx, const target& t, std::vector<std::string> command, const std::string* input = nullptr) {
  exec_request req;
  req.ns = t.ns;
  req.pod = t.pod;
  req.container = t.container;
  req.command = std::move(command);
  req.timeout_ms = tar_timeout_ms;
  if (input) {
    req.with_stdin = true;
    req.input = *input;
  }
  return ctx.api().exec(req);
}

// tar on this side. Throws with tar's own words when it fails.
std::string run_tar(std::vector<std::string> args, const std::string* input = nullptr) {
  args.insert(args.begin(), "tar");
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  auto r = run_command(args, env, "", tar_timeout_ms, max_archive + 1, input);
  TROUPE_REQUIRE(r.error.empty(), api_errc::bad_request, "cp needs tar on this machine: " + r.error);
  TROUPE_REQUIRE(!r.timed_out && r.exit_code == 0, api_errc::bad_request,
                 trim(r.err).empty() ? "tar failed with exit code " + std::to_string(r.exit_code) : std::string(trim(r.err)));
  return r.out;
}

int copy_to_pod(context& ctx, const file_spec& src, const file_spec& dest) {
  auto given = without_trailing_slashes(src.path);
  std::error_code ec;
  TROUPE_REQUIRE(std::filesystem::exists(given, ec), api_errc::bad_request, given + " doesn't exist in local filesystem");
  // "dir/." copies what is in dir, as kubectl does; otherwise dir itself.
  bool contents = given == "." || (given.size() > 1 && given.compare(given.size() - 2, 2, "/.") == 0);
  auto local = std::filesystem::absolute(given).lexically_normal().string();
  auto [src_dir, src_base] = split_path(local);
  if (contents) src_dir = local, src_base = ".";
  TROUPE_REQUIRE(!src_base.empty(), api_errc::bad_request, "cp cannot copy a whole file system: " + src.path);
  auto t = target_of(ctx, dest, ctx.err);
  // As kubectl: into a directory that is there, under the source's name (its contents for ".").
  auto path = without_trailing_slashes(dest.path);
  if (!contents && run_in(ctx, t, {"test", "-d", path}).exit_code == 0) path = (path == "/" ? "" : path) + "/" + src_base;
  auto [dest_dir, dest_base] = split_path(path);
  std::vector<std::string> pack = {"cf", "-", "-C", src_dir};
  if (dest_base != src_base) pack.push_back(rename_top(src_base, dest_base));
  pack.insert(pack.end(), {"--", src_base});
  auto archive = run_tar(pack);
  TROUPE_REQUIRE(archive.size() <= max_archive, api_errc::bad_request,
                 src.path + " makes an archive of more than 32 MiB, more than cp carries");
  std::vector<std::string> unpack = {"tar", "-xmf", "-"};
  if (ctx.flags.on("no-preserve")) unpack.insert(unpack.end(), {"--no-same-permissions", "--no-same-owner"});
  if (!dest_dir.empty()) unpack.insert(unpack.end(), {"-C", dest_dir});
  auto reply = run_in(ctx, t, unpack, &archive);
  ctx.err << reply.err;
  if (reply.exit_code != 0) ctx.err << "command terminated with exit code " << reply.exit_code << "\n";
  return reply.exit_code;
}

int copy_from_pod(context& ctx, const file_spec& src, const file_spec& dest) {
  auto [src_dir, src_base] = split_path(src.path);
  TROUPE_REQUIRE(!src_base.empty() && src_base != "/", api_errc::bad_request,
                 "cp cannot copy a container's whole file system: " + src.path);
  auto t = target_of(ctx, src, ctx.out);
  std::vector<std::string> pack = {"tar", "cf", "-"};
  if (!src_dir.empty()) pack.insert(pack.end(), {"-C", src_dir});
  pack.insert(pack.end(), {"--", src_base});
  auto reply = run_in(ctx, t, pack);
  ctx.out << reply.err << std::flush;  // kubectl shows the container's tar messages on stdout
  if (reply.exit_code != 0) {
    ctx.err << "command terminated with exit code " << reply.exit_code << "\n";
    return reply.exit_code;
  }
  TROUPE_REQUIRE(reply.out.size() <= max_archive, api_errc::bad_request,
                 src.path + " makes an archive of more than 32 MiB, more than cp carries");
  auto local = without_trailing_slashes(std::filesystem::absolute(dest.path).lexically_normal().string());
  TROUPE_REQUIRE(local != "/", api_errc::bad_request, "cp cannot write over a whole file system: " + dest.path);
  // The archive is read here, not by tar: only files and directories, under the destination,
  // owned by this user with default modes, whatever the container put in it.
  auto hint = " (consider using \"troupe exec -n " + quote(t.ns) + " " + quote(t.pod) + " -- tar cf - " + quote(src.path) +
              " | tar xf -\")";
  unpack_under(read_tar(reply.out), src_base, local, [&](const std::string& warning) { ctx.err << warning << "\n"; }, hint);
  return 0;
}

}  // namespace

// `troupe cp SRC DEST [-c CONTAINER]`: one of them [[namespace/]pod:]path, the other local.
int cmd_cp(context& ctx) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() == 2, api_errc::bad_request, "source and destination are required");
  auto src = parse_spec(args[0]), dest = parse_spec(args[1]);
  TROUPE_REQUIRE(!(src.remote() && dest.remote()), api_errc::bad_request, "one of src or dest must be a local file specification");
  TROUPE_REQUIRE(!src.path.empty() && !dest.path.empty(), api_errc::bad_request, "filepath can not be empty");
  if (src.remote()) return copy_from_pod(ctx, src, dest);
  TROUPE_REQUIRE(dest.remote(), api_errc::bad_request, "one of src or dest must be a remote file specification");
  return copy_to_pod(ctx, src, dest);
}

}  // namespace troupe::cli
