# One place for warnings and sanitizers. Every tunkit target calls tunkit_target_defaults().
set(TUNKIT_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")

function(tunkit_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
    -Wimplicit-fallthrough -Wformat=2 -Werror)
  if(TUNKIT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${TUNKIT_SANITIZE} -fno-omit-frame-pointer
                           -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${TUNKIT_SANITIZE})
  endif()
endfunction()
