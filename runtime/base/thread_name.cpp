#include "runtime/base/thread_name.hpp"

#include <pthread.h>

#include <cstring>
#include <string>

namespace troupe {

void name_this_thread(const char* name) {
  // pthread_setname_np refuses names over 15 characters instead of cutting them.
  std::string cut(name, strnlen(name, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace troupe
