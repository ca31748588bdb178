# Finds every dependency (Debian 12 packages only) and gives each an imported target.
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
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
