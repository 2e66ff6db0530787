#!/usr/bin/env bash
# Checks kioskd-ui-session, what kioskd-ui.service runs under cage, without a display (run by scripts/ci-package.sh on
# the installed script, or on systemd/kioskd-ui-session by hand): a copy whose Chromium is a stand-in that records
# its arguments and environment, once with fcitx5 present (a stand-in too) and once without.
#   scripts/check-ui-session.sh [SESSION-SCRIPT]
set -euo pipefail
cd "$(dirname "$0")/.."
session=${1:-systemd/kioskd-ui-session}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/home" "$work/run"
printf '#!/bin/sh\necho "$*" >>"%s/fcitx5.calls"\n' "$work" >"$work/bin/fcitx5"
printf '#!/bin/sh\necho "$*"\necho "GTK_IM_MODULE=${GTK_IM_MODULE:-} XMODIFIERS=${XMODIFIERS:-}"\n' >"$work/bin/chromium"
chmod +x "$work/bin/fcitx5" "$work/bin/chromium"
grep -q '^exec /usr/bin/chromium ' "$session" || { echo "check-ui-session: $session does not exec /usr/bin/chromium"; exit 1; }
sed "s|^exec /usr/bin/chromium |exec $work/bin/chromium |" "$session" >"$work/session"
chmod +x "$work/session"

run() {
  # A session bus as pam_systemd would give (dbus-run-session is not what is tested here).
  env -i PATH="$work/bin:/usr/bin:/bin" HOME="$work/home" RUNTIME_DIRECTORY="$work/run" \
    XDG_CONFIG_HOME="$work/home/.config" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
    KIOSKD_UI_URL=http://127.0.0.1:8080/ "$work/session"
}
failed=0
expect() { # expect OUTPUT WORD... : each word is one of Chromium's arguments or environment entries
  local output=$1 word
  shift
  for word in "$@"; do
    tr ' ' '\n' <<<"$output" | grep -qxF -- "$word" || { echo "check-ui-session: missing '$word' in: $output"; failed=1; }
  done
}
kiosk_flags=(--kiosk --app=http://127.0.0.1:8080/ "--user-data-dir=$work/run/chromium" --incognito --no-first-run
  --no-default-browser-check --noerrdialogs --disable-session-crashed-bubble --disable-pinch
  --overscroll-history-navigation=0 --disable-features=Translate,TouchpadOverscrollHistoryNavigation)

with=$(run)
expect "$with" "${kiosk_flags[@]}" --ozone-platform=x11 GTK_IM_MODULE=fcitx XMODIFIERS=@im=fcitx
grep -qx -- "-d -r" "$work/fcitx5.calls" || { echo "check-ui-session: fcitx5 was not started as a daemon"; failed=1; }
grep -qx "DefaultIM=pinyin" "$work/home/.config/fcitx5/profile" ||
  { echo "check-ui-session: no fcitx5 profile with pinyin written"; failed=1; }
echo "# the technician's own" >"$work/home/.config/fcitx5/profile"
run >/dev/null
grep -q "technician's own" "$work/home/.config/fcitx5/profile" ||
  { echo "check-ui-session: an existing fcitx5 profile was overwritten"; failed=1; }

rm "$work/bin/fcitx5"
without=$(run)
expect "$without" "${kiosk_flags[@]}" --ozone-platform=wayland
[ $failed -eq 0 ] && echo "check-ui-session: $session: kiosk flags, fcitx5 with pinyin (XWayland), Wayland without it"
exit $failed
