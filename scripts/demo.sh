#!/usr/bin/env bash
# The README's main job. Until the daemon lands this shows the technician's tool at work.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
"$bin/kioskctl" version
echo "validate id 11010519491231002X:"; "$bin/kioskctl" validate id 11010519491231002X
echo "validate uscc 91350100M000100Y43:"; "$bin/kioskctl" validate uscc 91350100M000100Y43
