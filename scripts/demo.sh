#!/usr/bin/env bash
# README command 1: set everything up on a fresh Debian 12 machine and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/apps/tunkit/tunkit demo
