#!/usr/bin/env bash
# Install paperscope with its test extras into .venv (and Debian's chromium for the browser
# tests, when it is missing) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/test_browser.py drives Debian's Chromium; Playwright's own browser download can't be
# fetched here and is never used.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=(env DEBIAN_FRONTEND=noninteractive)
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
  else
    echo "scripts/test.sh: /usr/bin/chromium is missing (the browser tests need it); installing it needs root or sudo: apt-get install chromium" >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
exec .venv/bin/pytest "$@"
