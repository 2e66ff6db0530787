#!/usr/bin/env bash
# Builds every libFuzzer target in scripts/fuzz/*.swift against the pure codec sources and runs each for
# FUZZ_SECONDS (default 10; `make fuzz FUZZ_SECONDS=600` for a long run). Prints each target's exec count.
# Targets define `@_cdecl("LLVMFuzzerTestOneInput") func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32`.
# A target that needs a pure file from another module names it on a line `// fuzz-sources: PATH ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-10}
out=.build/fuzz
mkdir -p "$out"
shopt -s nullglob
targets=(scripts/fuzz/*.swift)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets"; exit 0; }
for target in "${targets[@]}"; do
  name=$(basename "$target" .swift)
  mapfile -t sources < <(find Sources/KioskCore Sources/KioskProtocols -name '*.swift' | sort)
  mapfile -t extra < <(sed -n 's|^// fuzz-sources: *||p' "$target" | tr ' ' '\n' | sed '/^$/d')
  sources+=("${extra[@]}")
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz_$name" \
    "${sources[@]}" "$target" -o "$out/$name" >"$out/$name.build.log" 2>&1 || {
    echo "fuzz: $name did not build"; grep -E 'error' "$out/$name.build.log" | head -20; exit 1; }
  mkdir -p "$out/$name.corpus"
  log="$out/$name.log"
  "$out/$name" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/$name-" "$out/$name.corpus" >"$log" 2>&1 || {
    echo "fuzz: $name FAILED"; tail -40 "$log"; exit 1; }
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
  [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
  echo "fuzz: $name ran ${execs:-?} inputs in ${seconds}s without a crash"
done
