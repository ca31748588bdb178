# Finds every dependency (Debian 12 packages only) and gives each an imported target.
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CapnProto REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Catch2 REQUIRED)
include(Catch)

# Debian's CAF 0.17.6 ships no CMake config.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_library(CAF_CORE_LIBRARY caf_core)
find_library(CAF_IO_LIBRARY caf_io)
find_library(CAF_OPENSSL_LIBRARY caf_openssl)
if(NOT CAF_INCLUDE_DIR OR NOT CAF_CORE_LIBRARY OR NOT CAF_IO_LIBRARY OR NOT CAF_OPENSSL_LIBRARY)
  message(FATAL_ERROR "CAF 0.17 not found: run deploy/install-deps.sh")
endif()
add_library(CAF::core INTERFACE IMPORTED)
set_target_properties(CAF::core PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${CAF_CORE_LIBRARY};Threads::Threads")
add_library(CAF::io INTERFACE IMPORTED)
set_target_properties(CAF::io PROPERTIES INTERFACE_LINK_LIBRARIES "${CAF_IO_LIBRARY};CAF::core")
add_library(CAF::openssl INTERFACE IMPORTED)
set_target_properties(CAF::openssl PROPERTIES
  INTERFACE_LINK_LIBRARIES "${CAF_OPENSSL_LIBRARY};CAF::io")

find_path(LMDB_INCLUDE_DIR lmdb.h)
find_library(LMDB_LIBRARY lmdb)
if(NOT LMDB_INCLUDE_DIR OR NOT LMDB_LIBRARY)
  message(FATAL_ERROR "LMDB not found: run deploy/install-deps.sh")
endif()
add_library(LMDB::lmdb INTERFACE IMPORTED)
set_target_properties(LMDB::lmdb PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${LMDB_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${LMDB_LIBRARY}")

# The processes allocate many small, short-lived blocks on several threads at once (CAF
# messages, Cap'n Proto builders and readers). tcmalloc's per-thread caches make that much
# cheaper than glibc's malloc, which spent 15% of the cluster's CPU in the 5,000-node bench.
find_library(TCMALLOC_LIBRARY tcmalloc_minimal)
if(NOT TCMALLOC_LIBRARY)
  message(FATAL_ERROR "tcmalloc not found: run deploy/install-deps.sh")
endif()
add_library(troupe::allocator INTERFACE IMPORTED)
set_target_properties(troupe::allocator PROPERTIES INTERFACE_LINK_LIBRARIES "${TCMALLOC_LIBRARY}")
