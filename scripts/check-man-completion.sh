#!/usr/bin/env bash
# Checks the man pages and the bash completion the package installs (run by scripts/ci-package.sh):
#  1. man/kioskd.8 and man/kioskctl.1 render at 80 columns with no warning from man/groff;
#  2. completions/kioskctl.bash parses (bash -n) and completes verbs, roles and options as expected, driven the way
#     bash drives it (COMP_WORDS/COMP_CWORD) with Debian's bash-completion loaded.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v man >/dev/null || need+=(man-db)
[ -r /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

failed=0
for page in man/kioskd.8 man/kioskctl.1; do
  warnings=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || true)
  if [ -n "$warnings" ]; then
    echo "check-man-completion: $page:"
    echo "$warnings"
    failed=1
  fi
  lines=$(MANWIDTH=80 LC_ALL=C.UTF-8 man -E UTF-8 -l "$page" 2>/dev/null | wc -l)
  [ "$lines" -gt 40 ] || { echo "check-man-completion: $page renders only $lines lines"; failed=1; }
done
[ $failed -eq 0 ] && echo "check-man-completion: man pages: no warnings"

bash -n completions/kioskctl.bash

# Each case: the command line (the last word is the one being completed) | words that must be offered.
cases=(
  "kioskctl |status devices selftest monitor history outbox inhibit release log-level staff debug-bundle help"
  "kioskctl --|--socket --json --help --version"
  "kioskctl dev|devices"
  "kioskctl devices |idReader receiptPrinter ticketDispenser licencePrinter"
  "kioskctl --json selftest |all idReader licencePrinter"
  "kioskctl selftest all --|--print --help --json"
  "kioskctl staff |reprint confirm-printed hand-off extend cancel"
  "kioskctl staff reprint --|--staff"
  "kioskctl inhibit --|--reason --until-released"
  "kioskctl log-level |error warning notice info debug"
  "kioskctl help |status monitor"
  "kioskctl direct |read-card sam-id test-receipt printer-status dispense-ticket print-licence render-licence"
  "kioskctl direct test-receipt --profile |generic-80 kpm-ticket-80"
  "kioskctl direct render-licence --copy |original duplicate"
  "kioskctl simulate id-reader --card |resident none"
  "kioskctl simulate |id-reader receipt-printer dispenser central"
)
results=$(
  # shellcheck disable=SC1091
  source /usr/share/bash-completion/bash_completion
  source completions/kioskctl.bash
  for entry in "${cases[@]}"; do
    line=${entry%%|*}
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    _kioskctl kioskctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    for want in ${entry#*|}; do
      printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- "$want" || echo "'$line' does not offer '$want' (offers: ${COMPREPLY[*]})"
    done
  done
)
if [ -n "$results" ]; then
  echo "check-man-completion: bash completion:"
  echo "$results"
  failed=1
else
  echo "check-man-completion: bash completion: ${#cases[@]} cases complete as expected"
fi
exit $failed
