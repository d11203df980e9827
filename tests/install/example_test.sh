# The library installs with its headers, a CMake package and a pkg-config file, and a
# program outside the tree builds against it both ways and runs.
source "$(dirname "$0")/../netns/lib.sh"
tk_require cmake pkg-config c++
: "${TUNKIT_BINARY_DIR:?}" "${TUNKIT_SOURCE_DIR:?}"
prefix="$TK_TMP/prefix"
cmake --install "$TUNKIT_BINARY_DIR" --prefix "$prefix" >"$TK_TMP/install.log" || tk_fail "install: $(cat "$TK_TMP/install.log")"
for f in include/tunkit/dev/tun.hpp lib/libtunkit.a lib/cmake/tunkit/tunkitConfig.cmake lib/pkgconfig/tunkit.pc bin/tunkit; do
  [ -e "$prefix/$f" ] || tk_fail "install lacks $f"
done
find "$prefix/include" -name '*_test*' | grep -q . && tk_fail "test headers installed"
tk_pass "installed headers, library, CMake package, pkg-config file, binary"

cmake -S "$TUNKIT_SOURCE_DIR/examples/open_tun" -B "$TK_TMP/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >"$TK_TMP/configure.log" 2>&1 || tk_fail "find_package: $(cat "$TK_TMP/configure.log")"
cmake --build "$TK_TMP/example" >"$TK_TMP/build.log" 2>&1 || tk_fail "example build: $(cat "$TK_TMP/build.log")"
tk_pass "find_package(tunkit) example builds"

PKG_CONFIG_PATH="$prefix/lib/pkgconfig" c++ -o "$TK_TMP/open_tun_pc" "$TUNKIT_SOURCE_DIR/examples/open_tun/main.cpp" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs tunkit) || tk_fail "pkg-config build"
tk_pass "pkg-config --cflags --libs tunkit builds it too"

tk_netns NS
for bin in "$TK_TMP/example/open_tun" "$TK_TMP/open_tun_pc"; do
  out=$(ip netns exec "$NS" "$bin") || tk_fail "$bin failed: $out"
  [[ "$out" =~ ^tun[0-9]+\ index\ [0-9]+\ mtu\ 1500\ tun\ up$ ]] || tk_fail "unexpected output: $out"
done
tk_pass "the example opens a TUN, configures it and reads it back: $out"
