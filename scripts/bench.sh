#!/usr/bin/env bash
# Prints the figures docs/ARCHITECTURE.md §13 holds us to. `scripts/bench.sh [NAME...]`; no name runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product kioskbench >/dev/null
# The daemon bench measures kioskd as it ships: statically linked against the Swift runtime and Foundation,
# which keeps the shared-library pages it never touches out of its RSS.
swift build -c release --product kioskd --static-swift-stdlib --scratch-path .build/static >/dev/null
export KIOSKD_BINARY="$PWD/.build/static/release/kioskd"
bin=$(swift build -c release --show-bin-path)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(idreader escpos licence daemon store central ui)
status=0
for name in "${names[@]}"; do
  echo "== $name"
  if [ "$name" = ui ]; then
    # The touch UI's latencies in headless Chromium (Tests/Browser/ui_bench.py; needs scripts/install-deps.sh).
    /usr/bin/python3 Tests/Browser/ui_bench.py --kioskd "$KIOSKD_BINARY" || status=1
  else
    "$bin/kioskbench" "$name" || status=1
  fi
done
exit $status
