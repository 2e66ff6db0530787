#!/usr/bin/env bash
# The daemon crash tests at length: kioskd SIGKILLed at random points of scripted flows, restarted, and checked for
# lost or duplicated work. `make test` runs 100 flows with the PDF sink and 50 through a private cupsd.
#   FLOWS=500 scripts/crash-soak.sh              # the PDF sink only (fast)
#   MODE=cups FLOWS=300 scripts/crash-soak.sh    # through cupsd + ippeveprinter, kills around the licence print
#   MODE=both FLOWS=300 scripts/crash-soak.sh    # both, one after the other
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${MODE:-pdf}"
FLOWS="${FLOWS:-500}"
swift build --build-tests >/dev/null
case "$MODE" in
  pdf) KIOSKD_CRASH_FLOWS="$FLOWS" swift test --skip-build --filter DaemonCrashTests ;;
  cups) KIOSKD_CUPS_CRASH_FLOWS="$FLOWS" swift test --skip-build --filter DaemonCUPSCrashTests ;;
  both)
    KIOSKD_CRASH_FLOWS="$FLOWS" swift test --skip-build --filter DaemonCrashTests
    KIOSKD_CUPS_CRASH_FLOWS="$FLOWS" swift test --skip-build --filter DaemonCUPSCrashTests
    ;;
  *) echo "crash-soak.sh: MODE must be pdf, cups or both, got '$MODE'" >&2; exit 2 ;;
esac
