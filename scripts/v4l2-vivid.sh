#!/usr/bin/env bash
# Runs one binary against a real kernel V4L2 driver (vivid, the kernel's virtual video test driver) inside a
# Debian kernel booted under qemu (TCG, no KVM needed), and brings back the files it wrote. A manual check, not CI:
# see docs/camera-vivid.md for what it proves and what it does not.
#
#   scripts/v4l2-vivid.sh [--timeout SECS] [--unplug-after SECS] --out DIR -- BINARY ARGS...
#
# Inside the VM the binary is /bin/$(basename BINARY), the camera is /dev/video0 and whatever the binary writes
# under /out/ comes back into DIR (base64 between markers on the serial console). DIR also gets console.log (the
# whole serial console) and program.log (the binary's stdout+stderr). The exit status is the binary's own, 124 when
# the VM missed its deadline, 3 when the console log lacked the end marker.
# --unplug-after SECS unbinds the vivid device through sysfs while the binary runs (the closest thing to pulling a
# USB camera that vivid offers: the node goes away under an open file descriptor).
#
# Installs nothing. Needs (Debian): qemu-system-x86 busybox-static kmod cpio (and apt-get download access for the
# kernel package). The kernel package (KERNEL_PACKAGE, default: what linux-image-amd64 depends on in this release)
# is downloaded and unpacked into the cache ($XDG_CACHE_HOME/kioskd-vivid or /tmp/kioskd-vivid-cache), never into
# the repository.
set -euo pipefail

out_dir=""
deadline=300
unplug_after=""
usage() {
    echo "usage: $0 [--timeout SECS] [--unplug-after SECS] --out DIR -- BINARY ARGS..." >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out_dir="${2:?}"; shift 2 ;;
        --timeout) deadline="${2:?}"; shift 2 ;;
        --unplug-after) unplug_after="${2:?}"; shift 2 ;;
        --) shift; break ;;
        *) usage ;;
    esac
done
[[ -n "$out_dir" && $# -ge 1 ]] || usage
binary="$(readlink -f "$1")"
shift
[[ -x "$binary" ]] || { echo "not an executable: $binary" >&2; exit 2; }

missing=()
for tool in qemu-system-x86_64 dpkg-deb apt-get cpio gzip ldd timeout base64; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
depmod_bin="$(command -v depmod || echo /usr/sbin/depmod)"
[[ -x "$depmod_bin" ]] || missing+=(depmod)
busybox_bin=/bin/busybox
# The initramfs needs a busybox that runs without shared libraries: Debian's busybox-static.
if ! [[ -x "$busybox_bin" ]] || ldd "$busybox_bin" >/dev/null 2>&1; then missing+=(busybox-static); fi
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "missing: ${missing[*]}" >&2
    echo "install with: apt-get install --no-install-recommends qemu-system-x86 busybox-static kmod cpio" >&2
    exit 2
fi

cache="${XDG_CACHE_HOME:+$XDG_CACHE_HOME/kioskd-vivid}"
cache="${cache:-/tmp/kioskd-vivid-cache}"
mkdir -p "$cache" "$out_dir"
out_dir="$(readlink -f "$out_dir")"

# The kernel: a Debian linux-image package of the running release, unpacked once into the cache.
kernel_package="${KERNEL_PACKAGE:-$(apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)}"
[[ -n "$kernel_package" ]] || { echo "no kernel package found (run apt-get update?)" >&2; exit 2; }
kernel_root="$cache/$kernel_package"
if ! [[ -d "$kernel_root/lib/modules" ]]; then
    (cd "$cache" && apt-get download -q "$kernel_package" >&2)
    deb="$(ls -t "$cache"/"${kernel_package}"_*.deb | head -n1)"
    rm -rf "$kernel_root.partial"
    dpkg-deb -x "$deb" "$kernel_root.partial"
    mv "$kernel_root.partial" "$kernel_root"
fi
kernel_release="$(ls "$kernel_root/lib/modules" | head -n1)"
modules="$kernel_root/lib/modules/$kernel_release"
vmlinuz="$kernel_root/boot/vmlinuz-$kernel_release"
# The package ships no modules.dep (its postinst runs depmod): make one in the cache.
[[ -f "$modules/modules.dep" ]] || "$depmod_bin" -b "$kernel_root" "$kernel_release"

# vivid and its dependency chain as modules.dep lists them; modprobe loads that list from its end, so do we.
vivid_line="$(grep -E '^kernel/drivers/media/test-drivers/vivid/vivid\.ko(\.xz|\.zst|\.gz)?:' "$modules/modules.dep")" ||
    { echo "vivid is not in $kernel_package" >&2; exit 2; }
read -r -a chain <<<"${vivid_line#*:}"
chain_ordered=()
for ((i = ${#chain[@]} - 1; i >= 0; i--)); do chain_ordered+=("${chain[i]}"); done
chain_ordered+=("${vivid_line%%:*}")

# A webcam-like device: one instance, only a video capture node (bit 0 of node_types), one input of type webcam
# (00), as /dev/video0. See `modinfo vivid` for the other parameters.
vivid_options="${VIVID_OPTIONS:-n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0 vid_cap_nr=0}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kioskd-vivid.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,out,lib/modules}
cp "$busybox_bin" "$root/bin/busybox"

insmod_lines=""
for module in "${chain_ordered[@]}"; do
    name="$(basename "$module")"
    case "$name" in
        *.ko.xz) xz -dc "$modules/$module" >"$root/lib/modules/${name%.xz}"; name="${name%.xz}" ;;
        *.ko.zst) zstd -dcq "$modules/$module" >"$root/lib/modules/${name%.zst}"; name="${name%.zst}" ;;
        *.ko.gz) gzip -dc "$modules/$module" >"$root/lib/modules/${name%.gz}"; name="${name%.gz}" ;;
        *) cp "$modules/$module" "$root/lib/modules/$name" ;;
    esac
    if [[ "$name" == vivid.ko ]]; then
        insmod_lines+="insmod /lib/modules/$name $vivid_options || fail insmod-$name"$'\n'
    else
        insmod_lines+="insmod /lib/modules/$name || fail insmod-$name"$'\n'
    fi
done

# The binary and what its dynamic loader will look for (same absolute paths, so RUNPATHs keep working).
program="/bin/$(basename "$binary")"
cp "$binary" "$root$program"
if ldd "$binary" >/dev/null 2>&1; then
    while read -r library; do
        [[ -n "$library" ]] || continue
        mkdir -p "$root$(dirname "$library")"
        cp -L "$library" "$root$library"
    done < <(ldd "$binary" | sed -nE 's#.*=> (/[^ ]+) .*#\1#p; s#^[[:space:]]*(/[^ ]+) \(0x.*#\1#p' | sort -u)
fi

# Each argument single-quoted for busybox sh.
quoted_args=""
for arg in "$@"; do quoted_args+=" '${arg//\'/\'\\\'\'}'"; done

cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
echo 1 >/proc/sys/kernel/printk
fail() { echo "=====VIVID-FAIL \$1====="; poweroff -f; }
echo "=====VIVID-BOOTED uptime \$(cut -d' ' -f1 /proc/uptime)====="
$insmod_lines
echo "=====VIVID-MODULES-LOADED uptime \$(cut -d' ' -f1 /proc/uptime)====="
ls -l /dev/video* || fail no-video-node
cat /sys/class/video4linux/video0/name
EOF
if [[ -n "$unplug_after" ]]; then
    cat >>"$root/init" <<EOF
( sleep $unplug_after; echo "=====VIVID-UNPLUG uptime \$(cut -d' ' -f1 /proc/uptime)====="
  echo vivid.0 >/sys/bus/platform/drivers/vivid/unbind; ls /dev/video* 2>&1 ) &
EOF
fi
cat >>"$root/init" <<EOF
echo "=====VIVID-PROGRAM-BEGIN uptime \$(cut -d' ' -f1 /proc/uptime)====="
$program$quoted_args >/tmp/program.log 2>&1
rc=\$?
echo "=====VIVID-PROGRAM-END rc=\$rc uptime \$(cut -d' ' -f1 /proc/uptime)====="
wait
echo "=====VIVID-FILE-BEGIN program.log====="
base64 /tmp/program.log
echo "=====VIVID-FILE-END program.log====="
for f in /out/*; do
    [ -f "\$f" ] || continue
    echo "=====VIVID-FILE-BEGIN \${f#/out/}====="
    base64 "\$f"
    echo "=====VIVID-FILE-END \${f#/out/}====="
done
echo "=====VIVID-DONE rc=\$rc====="
poweroff -f
EOF
chmod +x "$root/init" "$root$program"
mknod "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/initrd.gz"

console="$out_dir/console.log"
started=$(date +%s%N)
set +e
timeout --kill-after=10 "$deadline" nice -n 19 qemu-system-x86_64 -m 1024 -smp 1 -nographic -no-reboot \
    -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append 'console=ttyS0 panic=-1 quiet' \
    </dev/null >"$console" 2>&1
qemu_rc=$?
set -e
elapsed=$(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
tr -d '\r' <"$console" >"$work/console.txt"

# Pull every file out of the console log.
awk -v dir="$out_dir" -v work="$work" '
    /=====VIVID-FILE-BEGIN .*=====$/ { name = $0; sub(/.*=====VIVID-FILE-BEGIN /, "", name); sub(/=====$/, "", name); file = work "/" name ".b64"; printf "" > file; next }
    /=====VIVID-FILE-END / { close(file); print name > (work "/names"); file = ""; next }
    file != "" && /^[A-Za-z0-9+\/=]+$/ { print >> file }
' "$work/console.txt"
if [[ -f "$work/names" ]]; then
    while read -r name; do
        base64 -d "$work/$name.b64" >"$out_dir/$name"
    done <"$work/names"
fi

grep -oE '=====VIVID-.*' "$work/console.txt" >&2 || true
echo "qemu exit $qemu_rc after ${elapsed}s (deadline ${deadline}s, kernel $kernel_release); console: $console" >&2
if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]]; then exit 124; fi
done_line="$(grep -oE '=====VIVID-DONE rc=[0-9]+=====$' "$work/console.txt" || true)"
[[ -n "$done_line" ]] || { echo "no end marker in the console log" >&2; exit 3; }
rc="${done_line#=====VIVID-DONE rc=}"
exit "${rc%=====}"
