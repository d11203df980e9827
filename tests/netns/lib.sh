# Shared helpers for the netns scenario tests (DESIGN.md "The network rule").
# Source it first thing: it sets strict mode, checks root, and installs the cleanup trap.
# Every namespace made with tk_netns is deleted, and every process started with tk_bg is
# killed by PID, when the script exits for any reason.
set -euo pipefail

TK_SKIP=77
TK_NAMESPACES=()
TK_PIDS=()
TK_TMP=$(mktemp -d)
chmod 755 "$TK_TMP"   # so unprivileged users in a test can run binaries copied here

tk_cleanup() {
  local pid ns
  for pid in "${TK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${TK_PIDS[@]}"; do
    timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in "${TK_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$TK_TMP"
}
trap tk_cleanup EXIT

tk_skip() { echo "SKIP: $*"; exit "$TK_SKIP"; }
tk_fail() { echo "FAIL: $*" >&2; exit 1; }
tk_pass() { echo "PASS: $*"; }

[ "$(id -u)" -eq 0 ] || tk_skip "needs root (network namespaces)"
: "${TUNKIT:?TUNKIT must point at the tunkit binary}"
[ -x "$TUNKIT" ] || tk_fail "TUNKIT=$TUNKIT is not executable"

tk_require() {
  local prog
  for prog in "$@"; do command -v "$prog" >/dev/null || tk_skip "needs $prog (scripts/install-deps.sh)"; done
}
tk_require ip timeout

# tk_netns VAR: creates namespace tk-<test>-<pid>-<n> and stores its name in VAR.
tk_netns() {
  local name="tk-$(basename "$0" _test.sh | cut -c1-12)-$$-${#TK_NAMESPACES[@]}"
  ip netns add "$name"
  TK_NAMESPACES+=("$name")
  ip -n "$name" link set lo up
  # IPv6 autoconfiguration would put router solicitations into every device we bring up.
  ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  printf -v "$1" '%s' "$name"
}

# tk_bg OUTFILE CMD...: runs CMD (a program, not a shell function, so that the PID is the
# program's own) in the background, stdout+stderr to OUTFILE; PID in TK_LAST_PID.
tk_bg() {
  local out=$1; shift
  "$@" >"$out" 2>&1 &
  TK_LAST_PID=$!
  TK_PIDS+=("$TK_LAST_PID")
}

# tk_wait_for SECONDS CMD...: polls CMD until it succeeds, at most SECONDS.
tk_wait_for() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# tk_stop PID: SIGTERM, then wait for it (bounded); returns its exit status.
tk_stop() {
  local pid=$1 status=0
  kill -TERM "$pid" 2>/dev/null || true
  timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "process $pid did not stop on SIGTERM"
  wait "$pid" || status=$?
  return "$status"
}

# tk_expect_status WANT CMD...: runs CMD, checks its exit status; its stderr in TK_ERR.
tk_expect_status() {
  local want=$1; shift
  local status=0
  "$@" >"$TK_TMP/out" 2>"$TK_TMP/err" || status=$?
  TK_ERR=$(cat "$TK_TMP/err")
  [ "$status" -eq "$want" ] || tk_fail "'$*' exited $status, expected $want; stderr: $TK_ERR"
}

# tk_expect_contains HAYSTACK NEEDLE WHAT
tk_expect_contains() {
  case "$1" in *"$2"*) ;; *) tk_fail "$3: expected to contain '$2', got: $1" ;; esac
}
