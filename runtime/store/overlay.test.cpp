#include "runtime/store/overlay.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>

using namespace troupe::store;

namespace {

// What an overlay must answer, kept the plain way: every key's newest change, every change.
struct model {
  std::map<std::string, change> newest;
  std::vector<change> changes;
};

std::vector<change> random_commit(std::mt19937& random, uint64_t& revision) {
  std::vector<change> batch(1 + random() % 6);
  for (auto& c : batch) {
    c.revision = ++revision;
    c.key = "pods/default/p" + std::to_string(random() % 400);
    c.type = random() % 7 == 0 ? event_type::deleted : event_type::modified;
    c.object = std::make_shared<const std::string>("v" + std::to_string(c.revision));
  }
  return batch;
}

// Everything `changes` has after LMDB's revision, checked against the model.
void check_against(const overlay& changes, const model& expected) {
  std::vector<const change*> pending_newest;
  for (auto& [key, c] : expected.newest)
    if (c.revision > changes.applied) pending_newest.push_back(&c);
  size_t at = 0;
  for (overlay_cursor walk(changes, ""); walk.get(); walk.next(), ++at) {
    REQUIRE(at < pending_newest.size());
    CHECK(walk.get()->key == pending_newest[at]->key);
    CHECK(walk.get()->revision == pending_newest[at]->revision);
    CHECK((walk.get()->object == nullptr) == (pending_newest[at]->type == event_type::deleted));
  }
  CHECK(at == pending_newest.size());
  for (auto& [key, c] : expected.newest) {
    const overlay_entry* e = changes.find(key);
    if (c.revision > changes.applied) {
      REQUIRE(e);
      CHECK(e->revision == c.revision);
    } else {
      CHECK(!e);
    }
  }
  std::vector<uint64_t> in_batches;
  for (size_t i = 0; i < changes.batch_count(); ++i)
    for (auto& c : changes.batch(i)) in_batches.push_back(c.revision);
  std::vector<uint64_t> after_applied;
  for (auto& c : expected.changes)
    if (c.revision > changes.applied) after_applied.push_back(c.revision);
  CHECK(in_batches == after_applied);
  for (auto& c : expected.changes) {
    const change* found = changes.change_at(c.revision);
    if (c.revision > changes.applied && c.revision <= changes.revision) {
      REQUIRE(found);
      CHECK(found->key == c.key);
    } else {
      CHECK(!found);
    }
  }
}

}  // namespace

TEST_CASE("an overlay answers as the plain model over many commits and applier runs", "[overlay]") {
  std::mt19937 random(7);
  model expected;
  auto changes = std::make_shared<const overlay>();
  uint64_t revision = 0;
  std::vector<uint64_t> commit_ends;
  for (int commit = 1; commit <= 1500; ++commit) {
    auto batch = random_commit(random, revision);
    for (auto& c : batch) {
      expected.newest[c.key] = c;
      expected.changes.push_back(c);
    }
    // Now and then a commit finds the applier has moved on before it published its overlay.
    uint64_t applied = commit % 250 == 125 ? commit_ends[commit_ends.size() - 4] : changes->applied;
    changes = next_overlay(*changes, std::move(batch), applied);
    commit_ends.push_back(revision);
    if (commit % 250 == 0)  // the applier wrote every commit but the last three
      changes = next_overlay(*changes, {}, commit_ends[commit_ends.size() - 4]);
    if (commit % 50 == 0 || commit % 250 == 1) check_against(*changes, expected);
  }
  changes = next_overlay(*changes, {}, revision);
  check_against(*changes, expected);
  CHECK(changes->batch_count() == 0);
  CHECK(overlay_cursor(*changes, "").get() == nullptr);
}

TEST_CASE("a commit copies only the recent part of a large overlay", "[overlay]") {
  std::mt19937 random(11);
  auto changes = std::make_shared<const overlay>();
  uint64_t revision = 0;
  size_t most_recent_entries = 0, most_recent_batches = 0;
  for (int commit = 1; commit <= 3000; ++commit) {
    changes = next_overlay(*changes, random_commit(random, revision), 0);
    most_recent_entries = std::max(most_recent_entries, changes->recent_entries.size());
    most_recent_batches = std::max(most_recent_batches, changes->recent_batches.size());
  }
  // 400 keys and 3,000 commits in all: the recent parts stay near sqrt(8n) (about 57 and 155).
  CHECK(changes->settled_entries->size() > 300);
  CHECK(most_recent_entries < 120);
  CHECK(changes->settled_batches->size() > 2800);
  CHECK(most_recent_batches < 200);
}

TEST_CASE("an overlay cursor starts at a key and shows a key in both parts once", "[overlay]") {
  auto commit = [](uint64_t revision, std::string key) {
    change c;
    c.revision = revision;
    c.key = std::move(key);
    c.object = std::make_shared<const std::string>("v" + std::to_string(revision));
    return std::vector<change>{c};
  };
  auto changes = std::make_shared<const overlay>();
  uint64_t revision = 0;
  for (int i = 0; i < 40; ++i)
    changes = next_overlay(*changes, commit(++revision, "k" + std::to_string(10 + i)), 0);
  REQUIRE(changes->settled_entries->size() > 0);
  REQUIRE(changes->find("k10"));
  changes = next_overlay(*changes, commit(++revision, "k10"), 0);  // newer, in the recent part
  changes = next_overlay(*changes, commit(++revision, "k105"), 0);
  REQUIRE(changes->find("k10")->revision == revision - 1);
  std::vector<std::string> keys;
  for (overlay_cursor walk(*changes, "k10"); walk.get(); walk.next()) {
    keys.push_back(walk.get()->key + "@" + std::to_string(walk.get()->revision));
    if (keys.size() == 3) break;
  }
  CHECK(keys == std::vector<std::string>{"k10@41", "k105@42", "k11@2"});
}
