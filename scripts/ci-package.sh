#!/usr/bin/env bash
# CI: the Debian package, for real, on this machine (root needed; run by .ci/run after the tests):
#  1. man pages and bash completion (scripts/check-man-completion.sh); `make deb`; lintian with no errors;
#  2. `dpkg -i` (apt-get -f for the Depends), then the installed files: `kioskd --check-config` on the installed
#     configuration, `systemd-analyze verify` on both installed units, the installed kiosk session script
#     (scripts/check-ui-session.sh), `kioskctl --version`, the simulated demo run
#     by the installed binaries as the kioskd user with its state in /var/lib/kioskd;
#  3. `dpkg --purge`, then nothing of the package is left: none of its files, no /etc/kioskd, /var/lib/kioskd or
#     /var/lib/kioskd-ui, no unit links or deb-systemd-helper state. The system users kioskd and kioskd-ui stay, as
#     Debian policy has it (files they own may exist elsewhere).
# Without a running systemd (containers, this CI) the maintainer scripts enable the unit but start nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "ci-package: must run as root (it installs and purges the package)"; exit 1; }
export DEBIAN_FRONTEND=noninteractive

say() { echo "ci-package: $*"; }
fail() { echo "ci-package: FAILED: $*"; exit 1; }
apt_install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

need=()
for tool in lintian:lintian cage:cage systemd-analyze:systemd; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
# cage only so that `systemd-analyze verify` finds kioskd-ui.service's ExecStart (a Recommends of the package).
[ ${#need[@]} -eq 0 ] || { say "installing ${need[*]}"; apt-get update -qq; apt_install "${need[@]}"; }

scripts/check-man-completion.sh

if dpkg-query -W -f='${Status}' kioskd 2>/dev/null | grep -q "installed"; then
  say "kioskd is installed already (an earlier run?): purging it first"
  dpkg --purge kioskd >/dev/null
fi

# 1. build and lint (KIOSKD_DEB=FILE checks a package built before instead, for reruns by hand)
version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/KioskCore/KioskVersion.swift)
if [ -n "${KIOSKD_DEB:-}" ]; then
  deb=$KIOSKD_DEB
else
  make deb >/dev/null
  deb=.build/deb/kioskd_${version}_$(dpkg --print-architecture).deb
fi
[ -f "$deb" ] || fail "no package $deb"
say "built $deb ($(du -k "$deb" | cut -f1) KiB)"
lintian_log=$(mktemp)
trap 'rm -f "$lintian_log"' EXIT
if ! lintian --fail-on error --tag-display-limit 0 "$deb" >"$lintian_log" 2>&1; then
  cat "$lintian_log"
  fail "lintian reports errors"
fi
say "lintian: no errors; $(grep -c '^W:' "$lintian_log" || true) warning(s), $(grep -c '^I:' "$lintian_log" || true) info(s)"
sed 's/^/  /' "$lintian_log"

# 2. install
if ! dpkg -i "$deb" >/dev/null 2>&1; then
  say "dpkg -i left Depends to fetch: apt-get -f install"
  apt-get update -qq
  apt-get -f install -y -qq --no-install-recommends >/dev/null
fi
dpkg-query -W -f='${Status}' kioskd | grep -q "install ok installed" || fail "kioskd is not installed after dpkg -i"
mapfile -t files < <(dpkg -L kioskd | while read -r path; do [ -d "$path" ] || echo "$path"; done)
say "installed: ${#files[@]} files"
for path in /usr/bin/kioskd /usr/bin/kioskctl /usr/lib/systemd/system/kioskd.service \
  /usr/lib/systemd/system/kioskd-ui.service /usr/lib/sysusers.d/kioskd.conf /usr/lib/udev/rules.d/70-kioskd.rules \
  /usr/share/man/man8/kioskd.8.gz /usr/share/man/man1/kioskctl.1.gz /usr/share/bash-completion/completions/kioskctl \
  /etc/kioskd/kioskd.json /usr/share/doc/kioskd/examples/kioskd.json.example; do
  [ -f "$path" ] || fail "$path is not installed"
done
getent passwd kioskd >/dev/null || fail "postinst made no user kioskd"
getent passwd kioskd-ui >/dev/null || fail "postinst made no user kioskd-ui"
id -nG kioskd | tr ' ' '\n' | grep -qx dialout || fail "the user kioskd is not in dialout"
[ -L /etc/systemd/system/multi-user.target.wants/kioskd.service ] || fail "postinst did not enable kioskd.service"
[ ! -e /etc/systemd/system/graphical.target.wants/kioskd-ui.service ] || fail "postinst enabled kioskd-ui.service"
say "postinst: users kioskd and kioskd-ui, kioskd.service enabled, kioskd-ui.service not"

# kioskd --check-config (issue 13): skipped, saying so, while the installed kioskd does not list the option.
kioskd_usage=$(kioskd --help 2>&1 || true)
if grep -q -- "--check-config" <<<"$kioskd_usage"; then
  kioskd --check-config /etc/kioskd/kioskd.json || fail "kioskd --check-config refuses the installed /etc/kioskd/kioskd.json"
  say "kioskd --check-config /etc/kioskd/kioskd.json: valid"
else
  say "SKIPPED kioskd --check-config: this kioskd does not have the option yet (its usage does not name it)"
fi

for unit in kioskd.service kioskd-ui.service; do
  if ! messages=$(systemd-analyze verify "/usr/lib/systemd/system/$unit" 2>&1) || [ -n "$messages" ]; then
    echo "$messages"
    fail "systemd-analyze verify $unit"
  fi
done
say "systemd-analyze verify: both installed units clean"
scripts/check-ui-session.sh /usr/libexec/kioskd/kioskd-ui-session

# Outputs are read whole before they are searched: kioskctl must not meet a closed pipe (grep -q, head).
kioskctl_usage=$(kioskctl --help 2>&1 || true)
if version_line=$(kioskctl --version 2>/dev/null); then
  say "kioskctl --version: $version_line"
elif grep -q -- "--version" <<<"$kioskctl_usage"; then
  fail "kioskctl --version fails although its usage names it"
else
  version_line=$(kioskctl version)
  say "SKIPPED kioskctl --version: this kioskctl does not have it yet; kioskctl version says: ${version_line%%$'\n'*}"
fi
grep -q "$version" <<<"$version_line" || fail "the installed kioskctl is not version $version: $version_line"

# The installed (stripped, statically linked) binaries at work: the simulated demo as the kioskd user, its state in
# /var/lib/kioskd as under systemd, so the purge below has a real store to remove.
install -d -o kioskd -g kioskd -m 0750 /var/lib/kioskd
demo_log=/var/lib/kioskd/demo.log
if ! timeout 300 setpriv --reuid=kioskd --regid=kioskd --init-groups \
  kioskd --simulate --state-dir /var/lib/kioskd --demo --exit-after-demo --no-cups >"$demo_log" 2>&1 ||
  ! grep -q "demo finished" "$demo_log"; then
  tail -20 "$demo_log"
  fail "the installed kioskd did not finish the simulated demo"
fi
[ -f /var/lib/kioskd/kioskd.db ] || fail "the demo left no store in /var/lib/kioskd"
say "the installed kioskd ran the simulated demo as the kioskd user (store in /var/lib/kioskd)"
install -d -o kioskd-ui -g kioskd-ui -m 0700 /var/lib/kioskd-ui  # as systemd's StateDirectory= would

# 3. purge
purge_log=$(dpkg --purge kioskd 2>&1) || { echo "$purge_log"; fail "dpkg --purge kioskd"; }
echo "$purge_log" | grep -q "deleting /var/lib/kioskd " || { echo "$purge_log"; fail "the purge did not say it deletes /var/lib/kioskd"; }
echo "$purge_log" | grep "kioskd: purge:" | sed 's/^/  /'
left=()
for path in "${files[@]}" /etc/kioskd /var/lib/kioskd /var/lib/kioskd-ui; do
  [ -e "$path" ] || [ -L "$path" ] && left+=("$path")
done
while IFS= read -r path; do left+=("$path"); done < <(
  find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
    -name '*kioskd*' 2>/dev/null)
[ ${#left[@]} -eq 0 ] || fail "left after the purge: ${left[*]}"
say "purged: none of the ${#files[@]} files, no /etc/kioskd, /var/lib/kioskd, /var/lib/kioskd-ui or unit state left;" \
  "the system users kioskd and kioskd-ui stay (Debian policy)"
