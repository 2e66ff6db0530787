#!/usr/bin/env bash
# `make vivid-check`: the camera path against a real kernel V4L2 driver (vivid in a Debian kernel under qemu, via
# scripts/v4l2-vivid.sh). A manual check, not CI: docs/camera-vivid.md says what it proves and what it does not.
#   1. v4l2-probe (static C, scripts/vivid/v4l2-probe.c) lists what vivid offers and grabs one YUYV frame;
#   2. kioskctl (release, static Swift runtime) `direct camera` captures a JPEG from /dev/video0, which djpeg must
#      decode at the asked size;
#   3. the same capture with the device unbound mid-stream (--unplug-after): kioskctl must fail, not hang.
# Results go to .build/vivid-check/ (probe/, capture/, unplug/, each with console.log and program.log).
# Installs the few Debian packages it needs when they are missing (like every make target).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(qemu-system-x86 busybox-static kmod cpio libjpeg-turbo-progs gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "vivid-check: installing ${missing[*]}" >&2
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

results=.build/vivid-check
width="${VIVID_WIDTH:-640}"
height="${VIVID_HEIGHT:-480}"
frames="${VIVID_FRAMES:-5}"
rm -rf "$results"
mkdir -p "$results"

echo "== 1. v4l2-probe" >&2
nice -n 19 gcc -static -O2 -Wall -o "$results/v4l2-probe" scripts/vivid/v4l2-probe.c
scripts/v4l2-vivid.sh --timeout 180 --out "$results/probe" -- \
    "$results/v4l2-probe" /dev/video0 /out/frame.yuyv "$width" "$height"
grep -E '^(driver=|s_fmt=|first_frame_ms=)' "$results/probe/program.log" >&2
grep -c '^format\[' "$results/probe/program.log" | sed 's/^/formats offered: /' >&2
grep -q '^format\[[0-9]*\]=MJPG' "$results/probe/program.log" && echo "MJPG offered" >&2 || echo "no MJPG offered" >&2

echo "== 2. kioskctl direct camera" >&2
nice -n 19 swift build -c release --product kioskctl --static-swift-stdlib --scratch-path .build/static
kioskctl=.build/static/release/kioskctl
capture() {
    local dir="$1"
    shift
    scripts/v4l2-vivid.sh --timeout 300 --out "$dir" "$@" -- "$kioskctl" direct camera --device /dev/video0 \
        --width "$width" --height "$height" --frames "$frames" --out /out/frame.jpg
}
capture "$results/capture"
cat "$results/capture/program.log" >&2
[[ -s "$results/capture/frame.jpg" ]] || { echo "vivid-check: no frame.jpg came back" >&2; exit 1; }
djpeg -pnm "$results/capture/frame.jpg" >"$results/capture/frame.ppm"
decoded="$(head -c 20 "$results/capture/frame.ppm" | tr '\n' ' ' | awk '{ print $2 "x" $3 }')"
echo "frame.jpg: $(stat -c %s "$results/capture/frame.jpg") bytes, decodes as $decoded" >&2
[[ "$decoded" == "${width}x${height}" ]] || { echo "vivid-check: asked ${width}x${height}, got $decoded" >&2; exit 1; }
# A PNG beside it for looking at (the JPEG decoded by djpeg, written with Python's zlib only).
python3 - "$results/capture/frame.ppm" "$results/capture/frame.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
magic, w, h, maxval, pixels = data.split(maxsplit=4)
w, h = int(w), int(h)
rows = b"".join(b"\0" + pixels[y * w * 3:(y + 1) * w * 3] for y in range(h))
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
open(sys.argv[2], "wb").write(png + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
EOF

echo "== 3. kioskctl direct camera, device unbound after 2 s" >&2
unplug_rc=0
# 1000 frames (kioskctl's maximum) last 200 s at vivid's 5 frames per second: the unplug comes long before the end.
frames=1000 capture "$results/unplug" --unplug-after 2 || unplug_rc=$?
cat "$results/unplug/program.log" >&2
# 1 is kioskctl's camera error; 2 (usage), 3 (no end marker) and 124 (VM deadline) are failures of the check.
if [[ $unplug_rc -ne 1 ]]; then
    echo "vivid-check: kioskctl should exit 1 (camera error) when the camera goes away; status $unplug_rc" >&2
    exit 1
fi
echo "vivid-check: passed (results in $results)" >&2
