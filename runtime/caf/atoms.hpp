#pragma once
// Atoms shared by several actors (CAF 0.17: at most 10 characters each).

#include <caf/atom.hpp>

namespace troupe {

using write_atom = caf::atom_constant<caf::atom("write")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using watch_ack_atom = caf::atom_constant<caf::atom("watch_ack")>;
using watch_event_atom = caf::atom_constant<caf::atom("watch_ev")>;
using watch_end_atom = caf::atom_constant<caf::atom("watch_end")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using synced_atom = caf::atom_constant<caf::atom("synced")>;
using linger_end_atom = caf::atom_constant<caf::atom("linger_end")>;
using compact_atom = caf::atom_constant<caf::atom("compact")>;
using bookmark_atom = caf::atom_constant<caf::atom("bookmark")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using api_atom = caf::atom_constant<caf::atom("api")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using logs_atom = caf::atom_constant<caf::atom("logs")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using connected_atom = caf::atom_constant<caf::atom("connected")>;
using node_lost_atom = caf::atom_constant<caf::atom("node_lost")>;
using evict_atom = caf::atom_constant<caf::atom("evict")>;

}  // namespace troupe
