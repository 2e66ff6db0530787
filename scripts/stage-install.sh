#!/usr/bin/env bash
# Installs kioskd into a tree: the one list of what goes where, used by `make install` (any distribution) and by
# `make deb` (scripts/build-deb.sh stages the package with it). docs/INSTALL.md says what each file is for.
#
#   scripts/stage-install.sh [--strip] DESTDIR PREFIX [SYSCONFDIR]
#
# DESTDIR is the root of the tree ("" or / for the live system), PREFIX where programs and data go (/usr for the
# package, /usr/local by default for `make install`), SYSCONFDIR where the configuration goes (/etc). Binaries are the
# release builds of `make release`; --strip strips them (the package does, Debian policy 10.1).
# Units, sysusers and udev rules go under PREFIX/lib, where systemd and udev also look for /usr/local. The unit's
# paths are rewritten to PREFIX and SYSCONFDIR. The configuration is installed only when none is there yet, so
# `make install` never overwrites a site's kioskd.json (dpkg handles it as a conffile).
set -euo pipefail
cd "$(dirname "$0")/.."

strip=false
if [ "${1:-}" = "--strip" ]; then
  strip=true
  shift
fi
[ $# -ge 2 ] || { echo "usage: $0 [--strip] DESTDIR PREFIX [SYSCONFDIR]" >&2; exit 2; }
destdir=${1%/}
prefix=${2%/}
sysconfdir=${3:-/etc}
sysconfdir=${sysconfdir%/}
case "$prefix" in /*) ;; *) echo "stage-install: PREFIX must be absolute, got '$prefix'" >&2; exit 2 ;; esac

kioskd_bin=.build/static/release/kioskd
kioskctl_bin=.build/static/release/kioskctl
for binary in "$kioskd_bin" "$kioskctl_bin"; do
  [ -x "$binary" ] || { echo "stage-install: $binary missing: run 'make release' first" >&2; exit 1; }
done

root="$destdir$prefix"
doc="$root/share/doc/kioskd"
libexec="$prefix/libexec/kioskd"

install -d -m 0755 "$root/bin" "$destdir$libexec" "$root/lib/systemd/system" "$root/lib/sysusers.d" \
  "$root/lib/udev/rules.d" "$root/share/man/man1" "$root/share/man/man8" \
  "$root/share/bash-completion/completions" "$doc/examples" "$destdir$sysconfdir/kioskd"

install -m 0755 "$kioskd_bin" "$root/bin/kioskd"
install -m 0755 "$kioskctl_bin" "$root/bin/kioskctl"
if $strip; then
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/bin/kioskd" "$root/bin/kioskctl"
fi
install -m 0755 systemd/kioskd-ui-session "$destdir$libexec/kioskd-ui-session"

# The units name the installed paths.
for unit in kioskd.service kioskd-ui.service; do
  sed -e "s|/usr/bin/kioskd |$prefix/bin/kioskd |g" -e "s|/usr/share/doc/kioskd/|$prefix/share/doc/kioskd/|g" -e "s|/usr/libexec/kioskd/|$libexec/|g" -e "s|/etc/kioskd/|$sysconfdir/kioskd/|g" \
    "systemd/$unit" >"$root/lib/systemd/system/$unit"
  chmod 0644 "$root/lib/systemd/system/$unit"
done
install -m 0644 systemd/kioskd.sysusers "$root/lib/sysusers.d/kioskd.conf"
install -m 0644 systemd/kioskd-ui.sysusers "$root/lib/sysusers.d/kioskd-ui.conf"
install -m 0644 udev-rules/70-kioskd.rules "$root/lib/udev/rules.d/70-kioskd.rules"
# The simulated camera's synthetic faces (kioskd --simulate; docs/ARCHITECTURE.md §4.9).
install -d -m 0755 "$root/share/kioskd/simulated-camera"
install -m 0644 Sources/KioskSimulators/SimulatedCameraFrames/*.jpg "$root/share/kioskd/simulated-camera/"

# Man pages compressed reproducibly (no name or time stamp in the gzip header).
gzip -9n <man/kioskd.8 >"$root/share/man/man8/kioskd.8.gz"
gzip -9n <man/kioskctl.1 >"$root/share/man/man1/kioskctl.1.gz"
chmod 0644 "$root/share/man/man8/kioskd.8.gz" "$root/share/man/man1/kioskctl.1.gz"
install -m 0644 completions/kioskctl.bash "$root/share/bash-completion/completions/kioskctl"

# Documentation: what the unit's Documentation= and the man pages point at. The touch UI's page is compiled into
# kioskd (Package.swift, embedInCode), so there are no UI assets to install.
install -m 0644 README.md "$doc/README.md"
for page in INSTALL.md ARCHITECTURE.md device-protocols.md store-backup-and-restore.md ui-api.md; do
  install -m 0644 "docs/$page" "$doc/$page"
done
install -m 0644 systemd/kioskd.json.example "$doc/examples/kioskd.json.example"

config="$destdir$sysconfdir/kioskd/kioskd.json"
if [ -e "$config" ]; then
  echo "stage-install: $config exists; left as it is (the example is in $prefix/share/doc/kioskd/examples)"
else
  install -m 0644 systemd/kioskd.json.example "$config"
fi
