# Helpers that keep every target's flags identical (so the CAF precompiled header is shared).

set(TROUPE_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# troupe_library(name SOURCES ... DEPS ...)
function(troupe_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${arg_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_compile_options(${name} PRIVATE ${TROUPE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${arg_DEPS})
endfunction()

# One precompiled CAF header, built once and reused by every target that uses CAF.
function(troupe_use_caf_pch target)
  target_precompile_headers(${target} REUSE_FROM troupe_caf_pch)
endfunction()

# troupe_test(name SOURCES ... DEPS ...): a Catch2 executable registered with CTest.
function(troupe_test name)
  cmake_parse_arguments(arg "CAF" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_compile_options(${name} PRIVATE ${TROUPE_WARNINGS})
  target_link_libraries(${name} PRIVATE troupe_catch_main ${arg_DEPS})
  if(arg_CAF)
    troupe_use_caf_pch(${name})
  endif()
  # A name that matches no test would pass silently: -w NoTests makes that a failure (and
  # test names must not hold ',' or ';', which Catch and CMake read as separators).
  catch_discover_tests(${name} EXTRA_ARGS -w NoTests PROPERTIES TIMEOUT 300)
endfunction()
