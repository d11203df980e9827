#!/usr/bin/env bash
# README command 2: set everything up and run every test: the release build (unit, netns,
# install, fuzz), then the same suite under ASan + UBSan (fuzz targets carry their own
# sanitizers, so they run once). Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
ctest --preset release --timeout 600
scripts/build.sh asan
ctest --preset asan --timeout 600 --label-exclude fuzz
