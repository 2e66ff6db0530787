#!/usr/bin/env bash
# The README's main job: a simulated terminal (every device a simulator on a real PTY / TCP endpoint, the licence
# printer a private cupsd + ippeveprinter when installed) serving one scripted citizen through all four steps.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
state="${KIOSKD_DEMO_DIR:-$(mktemp -d /tmp/kioskd-demo.XXXXXX)}"
"$bin/kioskctl" version
echo
"$bin/kioskd" --simulate --demo --exit-after-demo --state-dir "$state" 2> "$state/kioskd.log"
echo
echo "kioskd's log (journald format): $state/kioskd.log"
