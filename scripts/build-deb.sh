#!/usr/bin/env bash
# Builds kioskd_<version>_<arch>.deb from debian/ (our own control, conffiles and maintainer scripts) and the tree
# scripts/stage-install.sh stages, with dpkg-deb --root-owner-group. Run by `make deb` after `make release`.
# The shared libraries the binaries need are found with dpkg-shlibdeps (versions from the libraries' own symbol
# files: libusb-1.0-0, libcups2, libudev1, libsqlite3-0, libgnutls30, libstdc++6, libgcc-s1, libc6); the package's
# fixed Depends (debian/control) add what is used at run time but not linked: cups-client, the licence font,
# systemd-sysusers. deb-systemd-helper comes from init-system-helpers, which is essential.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022

version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/KioskCore/KioskVersion.swift)
[ -n "$version" ] || { echo "build-deb: no version in Sources/KioskCore/KioskVersion.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)
changelog_version=$(sed -n '1s/^kioskd (\([^)]*\)).*/\1/p' debian/changelog)
[ "$changelog_version" = "$version" ] || {
  echo "build-deb: debian/changelog's top entry is $changelog_version, KioskVersion.swift says $version:" \
    "add a changelog entry" >&2
  exit 1
}

out=${DEB_OUT:-.build/deb}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
install -d -m 0755 "$root"

scripts/stage-install.sh --strip "$root" /usr /etc

doc="$root/usr/share/doc/kioskd"
install -m 0644 debian/copyright "$doc/copyright"
gzip -9n <debian/changelog >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# The libraries the binaries link, as Depends, from a throwaway source stanza (dpkg-shlibdeps wants one).
mkdir -p "$work/src/debian"
printf 'Source: kioskd\n\nPackage: kioskd\nArchitecture: any\n' >"$work/src/debian/control"
shlib_depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$root/usr/bin/kioskd" -e"$root/usr/bin/kioskctl" 2>"$work/shlibdeps.log" |
  sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibdeps.log" >&2; exit 1; }
[ -n "$shlib_depends" ] || { cat "$work/shlibdeps.log" >&2; echo "build-deb: dpkg-shlibdeps found nothing" >&2; exit 1; }
# The C libraries the code is written against (Package.swift's system-library targets) must all be there.
for library in libusb-1.0-0 libcups2 libudev1 libsqlite3-0 libgnutls30; do
  [[ ", $shlib_depends" == *", $library "* ]] || {
    echo "build-deb: dpkg-shlibdeps did not name $library (got: $shlib_depends)" >&2
    exit 1
  }
done
# The Swift runtime must be inside the binaries, not a dependency nobody can install.
if ldd "$root/usr/bin/kioskd" "$root/usr/bin/kioskctl" | grep -E 'libswift|libFoundation|libdispatch'; then
  echo "build-deb: a binary links the Swift runtime dynamically; build with 'make release'" >&2
  exit 1
fi

install -d -m 0755 "$root/DEBIAN"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@SHLIB_DEPENDS@/$shlib_depends/" debian/control >"$root/DEBIAN/control"
install -m 0644 debian/conffiles "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "debian/$script" "$root/DEBIAN/$script"; done
# Conffiles are left out, as dpkg keeps their sums itself.
(cd "$root" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/kioskd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
