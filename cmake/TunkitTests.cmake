# Test helpers. Labels (DESIGN.md): unit, sim, netns, interop, fuzz.
# A scenario script exits 77 to skip (no root, a program missing); in CI nothing may skip.
set(TUNKIT_SKIP_CODE 77)

# tunkit_add_script_test(NAME script LABEL label [TIMEOUT s]): a shell scenario under tests/.
function(tunkit_add_script_test name script)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND bash ${script})
  set_tests_properties(${name} PROPERTIES
    LABELS "${ARG_LABEL}" TIMEOUT ${ARG_TIMEOUT}
    SKIP_RETURN_CODE ${TUNKIT_SKIP_CODE}
    ENVIRONMENT "TUNKIT=$<TARGET_FILE:tunkit-cli>;SIMPLETUN_PEER=$<TARGET_FILE:tunkit_simpletun_peer>;TUNKIT_SOURCE_DIR=${PROJECT_SOURCE_DIR};TUNKIT_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
