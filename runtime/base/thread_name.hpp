#pragma once
// Threads of our own carry a name, so `top -H`, perf and /proc/PID/task show which part of
// the server spends the time (unnamed threads inherit their creator's name).

namespace troupe {

/// Names the calling thread; Linux keeps the first 15 characters.
void name_this_thread(const char* name);

}  // namespace troupe
