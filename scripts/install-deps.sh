#!/usr/bin/env bash
# Installs the Debian packages kioskd builds, tests and demos with, if any is missing. Idempotent and quiet when
# everything is there. Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
  pkg-config
  libusb-1.0-0-dev libcups2-dev libudev-dev libsqlite3-dev   # the C libraries we link
  libgnutls28-dev                                            # verifying the centre against the system trust store
  cups cups-client cups-ipp-utils cups-filters               # private cupsd + ippeveprinter for the licence path
  dbus avahi-daemon                                          # Debian's ippeveprinter refuses to start without DNS-SD
  poppler-utils zbar-tools                                   # pdftotext/pdftoppm and zbarimg check our PDFs and QR codes
  libjpeg-turbo-progs                                        # djpeg decodes our camera JPEGs in the tests
  python3-venv                                               # the ESC/POS comparison bench (python-escpos from PyPI)
  systemd strace                                             # systemd-analyze checks the unit; strace its syscall filter
  curl python3-yaml                                          # curl drives the HTTP server; PyYAML reads the OpenAPI doc
  python3-prometheus-client                                  # its parser reads /metrics in the tests
  chromium chromium-driver python3-selenium                  # the touch UI's real-browser tests (docs/ui-api.md)
  fonts-wqy-microhei                                         # Chinese glyphs for the UI screenshots
  fonts-arphic-uming fonts-hanazono qpdf                     # licence fonts (embedded, docs/ARCHITECTURE.md §4.8); qpdf --check
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# policy-rc.d keeps the packages' own services (cupsd, avahi) from starting system-wide: tests start private ones.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
