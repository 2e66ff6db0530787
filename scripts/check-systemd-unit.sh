#!/usr/bin/env bash
# Checks the install files in systemd/ and udev-rules/ without a running systemd:
#  1. `systemd-analyze verify` on the unit (on a copy whose ExecStart is the kioskd just built, since verify needs the
#     binary to exist); any message fails the check, not only errors.
#  2. `systemd-analyze security --offline=true`: exposure at most 2.0. The threshold is given on the 0–100 scale the
#     tool computes internally and prints divided by ten, so 2.0 is --threshold=20.
#  3. the sysusers file, dry-run into an empty root.
#  4. the udev rules with `udevadm verify` where udevadm has it (systemd ≥ 254; Debian 12's has not: skipped).
#  5. the unit's SystemCallFilter= at run time: the simulated demo runs under strace with every system call the filter
#     refuses failing as the unit makes it fail (SystemCallErrorNumber=, else SIGSYS), as an unprivileged user. It
#     must still finish; the refused calls it attempted are listed.
set -euo pipefail
cd "$(dirname "$0")/.."
unit=systemd/kioskd.service
threshold=20

scripts/install-deps.sh  # systemd (systemd-analyze, systemd-sysusers) and strace among them

# kioskctl too: the simulated terminal runs the simulated centre as `kioskctl simulate central`, next to kioskd.
for product in kioskd kioskctl; do swift build --product "$product" 2>&1 | grep -E "error|warning: " || true; done
kioskd="$(swift build --show-bin-path)/kioskd"
[ -x "$kioskd" ] || { echo "check-systemd-unit: kioskd did not build"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. verify (it also runs `man` for each Documentation= man page: the repository's pages, as the package installs them)
mkdir -p "$work/man/man1" "$work/man/man8"
cp man/kioskctl.1 "$work/man/man1/"
cp man/kioskd.8 "$work/man/man8/"
export MANPATH="$work/man"
sed "s|^ExecStart=/usr/bin/kioskd |ExecStart=$kioskd |" "$unit" >"$work/kioskd.service"
grep -q "^ExecStart=$kioskd " "$work/kioskd.service" || { echo "check-systemd-unit: ExecStart not found in $unit"; exit 1; }
if ! messages=$(systemd-analyze verify "$work/kioskd.service" 2>&1) || [ -n "$messages" ]; then
  echo "check-systemd-unit: systemd-analyze verify $unit:"
  echo "$messages"
  exit 1
fi
echo "check-systemd-unit: verify: clean"

# 2. security
if ! report=$(systemd-analyze security --offline=true --threshold=$threshold "$unit" 2>&1); then
  echo "$report" | grep -E '✗|→'
  echo "check-systemd-unit: exposure above $threshold/100 (shown as $((threshold / 10)).$((threshold % 10)))"
  exit 1
fi
echo "check-systemd-unit: security: $(echo "$report" | grep -E '→' | sed 's/^→ *//')"

# 3. sysusers
mkdir -p "$work/root/etc"
systemd-sysusers --root="$work/root" --dry-run "$PWD/systemd/kioskd.sysusers" >"$work/sysusers.log" 2>&1 || {
  cat "$work/sysusers.log"; echo "check-systemd-unit: systemd/kioskd.sysusers refused"; exit 1; }
grep -q "Creating user 'kioskd'" "$work/sysusers.log" || {
  cat "$work/sysusers.log"; echo "check-systemd-unit: systemd/kioskd.sysusers creates no user kioskd"; exit 1; }
echo "check-systemd-unit: sysusers: clean"

# 4. udev rules
if command -v udevadm >/dev/null && udevadm verify --help >/dev/null 2>&1; then
  udevadm verify udev-rules/*.rules
  echo "check-systemd-unit: udev rules: clean"
else
  echo "check-systemd-unit: udev rules: not checked (no udevadm verify here)"
fi

# 5. the system call filter at run time
expand() { # syscall names in the given groups/names, nested groups expanded
  local item
  for item in "$@"; do
    case "$item" in
      @*) expand $(systemd-analyze syscall-filter "$item" 2>/dev/null | sed 1d | grep -v '^ *#' | tr -d ' ' | grep .) ;;
      *) echo "$item" ;;
    esac
  done
}
allow=() deny=()
while IFS= read -r line; do
  value=${line#SystemCallFilter=}
  case "$value" in
    "~"*) read -ra words <<<"${value#\~}"; deny+=("${words[@]}") ;;
    *) read -ra words <<<"$value"; allow+=("${words[@]}") ;;
  esac
done < <(grep '^SystemCallFilter=' "$unit")
expand "${allow[@]}" | sort -u >"$work/allowed.all"
expand "${deny[@]}" | sort -u >"$work/denied.explicit"
comm -23 "$work/allowed.all" "$work/denied.explicit" >"$work/allowed"
expand @known | sort -u | comm -23 - "$work/allowed" >"$work/refused"
refused=$(sed 's/^/?/' "$work/refused" | paste -sd, -)
# Without SystemCallErrorNumber= systemd kills the process on a refused call: emulate that with SIGSYS.
errno=$(sed -n 's/^SystemCallErrorNumber=//p' "$unit" | tail -1)
if [ -n "$errno" ]; then action="error=$errno"; else action="error=ENOSYS:signal=SIGSYS"; fi

state="$work/state"
mkdir -p "$state"
run=()
if [ "$(id -u)" -eq 0 ]; then # kioskd runs as its own user; as root SQLite would also fchown(2) its journal files
  chown nobody "$state" "$work"
  run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
status=0
"${run[@]}" strace -f -qq -o "$work/strace.log" -e trace="$refused" -e inject="$refused:$action" \
  "$kioskd" --simulate --state-dir "$state" --demo --exit-after-demo --no-cups >"$work/demo.log" 2>&1 || status=$?
attempted=$(grep -oE '^[0-9]+ +[a-z0-9_]+\(' "$work/strace.log" | awk '{print $2}' | tr -d '(' | sort -u | paste -sd' ' - || true)
if [ $status -ne 0 ] || ! grep -q "demo finished" "$work/demo.log"; then
  tail -20 "$work/demo.log"
  echo "check-systemd-unit: kioskd --simulate --demo failed (exit $status) with the unit's system call filter" \
    "(refused calls attempted: ${attempted:-none})"
  exit 1
fi
echo "check-systemd-unit: system call filter: the demo runs with $(wc -l <"$work/refused") calls refused" \
  "(attempted and refused: ${attempted:-none})"
