#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 10) on a scratch copy of its seed corpus in fuzz/corpus/<proto>.
# Exits 1 on any crash, leak, sanitizer report or invariant failure; 77 (skip) if clang
# cannot link -fsanitize=fuzzer.
#
# Why the stack needs fuzz/standalone/compat/expected: libstdc++ 12's <expected> is guarded
# by `__cpp_concepts >= 202002L`; clang 14 reports 201907L because it lacks P0848R3
# (conditionally trivial special members, clang 16), so std::expected does not exist
# there. Forcing the macro makes every expected<T, E> with a non-trivial E (tunkit::Error
# holds a std::string) ill-formed: the constrained destructor is "implicitly deleted".
# The wire layer and the wg core deliberately do not use Result and build unchanged; the
# stack (tcp_receive_fuzz, http_fuzz) gets a stand-in std::expected from compat/.
set -euo pipefail
src=${TUNKIT_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${TUNKIT_BINARY_DIR:-$src/build/release}/fuzz-clang
seconds=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-2}
cxx=${FUZZ_CXX:-clang++}

command -v "$cxx" >/dev/null || { echo "SKIP: $cxx not found"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
"$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>/dev/null ||
  { echo "SKIP: $cxx cannot link -fsanitize=fuzzer"; exit 77; }

cmake -S "$src/fuzz/standalone" -B "$bin" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice -n 10 cmake --build "$bin" -j "$jobs"

work=$(mktemp -d)
trap 'rm -rf "$probe" "$work"' EXIT
run_one() {
  local name=$1 proto=${1%_fuzz}
  mkdir -p "$work/$proto"
  # New inputs go to the scratch dir (first); the checked-in seeds are read-only input.
  if "$bin/$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
       -artifact_prefix="$work/$proto-" "$work/$proto" "$src/fuzz/corpus/$proto" \
       >"$work/$proto.log" 2>&1; then
    echo "ok   $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$proto.log" | grep -o '[0-9]*$') runs"
  else
    echo "FAIL $name"; tail -40 "$work/$proto.log"
    ls "$work/$proto-"* 2>/dev/null | while read -r a; do echo "reproducer: $a"; xxd "$a" | head -20; done
    return 1
  fi
}
status=0
pids=()
for target in "$src"/fuzz/*_fuzz.cpp; do
  name=$(basename "$target" .cpp)
  run_one "$name" &
  pids+=($!)
  if (( ${#pids[@]} >= jobs )); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
