#!/usr/bin/env bash
# Line coverage per module (Sources/<Target>) from `swift test --enable-code-coverage`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests --enable-code-coverage >/dev/null
swift test --skip-build --no-parallel --enable-code-coverage >/dev/null
json=$(swift test --show-codecov-path --enable-code-coverage)
python3 - "$json" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))
modules = collections.defaultdict(lambda: [0, 0])
for f in data["data"][0]["files"]:
    name = f["filename"]
    if "/Sources/" not in name:
        continue
    module = name.split("/Sources/")[1].split("/")[0]
    lines = f["summary"]["lines"]
    modules[module][0] += lines["covered"]
    modules[module][1] += lines["count"]
for module, (covered, count) in sorted(modules.items()):
    print(f"{module:18s} {100 * covered / max(count, 1):5.1f} % of {count} lines")
PY
