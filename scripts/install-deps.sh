#!/usr/bin/env bash
# The one list of Debian 12 packages tunkit needs to build, test, demo and benchmark.
# Idempotent: installs only what is missing, and runs `apt-get update` only then.
#   scripts/install-deps.sh           build, tests, demo
#   scripts/install-deps.sh --bench   also the peers the benchmarks compare against
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  libmnl-dev libpcap-dev libsodium-dev libssl-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzz targets (libFuzzer with ASan/UBSan)
  clang libclang-rt-14-dev
  # tests, demo and benchmarks: the real programs on the other side of a device
  iproute2 iputils-ping iputils-arping util-linux procps jq python3
  tcpdump tshark socat netcat-openbsd iperf3 curl
  # the WireGuard peer the VPN interoperates with, and the tools that configure it
  wireguard-go wireguard-tools
)

# The peer programs of ../shared/bench/peers (run_all.sh) and bench/.
bench_packages=(vtun openvpn tinc gcc)
[ "${1:-}" = --bench ] && packages+=("${bench_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
