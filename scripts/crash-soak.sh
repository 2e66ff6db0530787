#!/usr/bin/env bash
# The daemon crash test at length: FLOWS scripted citizens (default 500), kioskd SIGKILLed at random points,
# restarted, and checked for lost or duplicated work. `make test` runs the same test with 100 flows.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
KIOSKD_CRASH_FLOWS="${FLOWS:-500}" swift test --skip-build --filter DaemonCrashTests
