#!/usr/bin/env bash
# Prepare this checkout: a virtualenv with the project, and the Debian packages the product needs.
#   scripts/bootstrap.sh run   -> wkhtmltopdf + CJK fonts (PDF documents)
#   scripts/bootstrap.sh test  -> the above + poppler-utils (pdftotext) + chromium (browser tests) + dev tools
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
if [ -z "$PY" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Insure needs Python 3.11 or newer: apt-get install -y python3 python3-venv" >&2
  exit 1
fi

packages=(wkhtmltopdf fonts-noto-cjk)
[ "$mode" = test ] && packages+=(poppler-utils chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Another apt or dpkg (unattended-upgrades, a second bootstrap) may hold the locks: wait for them, up to
    # APT_LOCK_TIMEOUT seconds, instead of failing at once. apt-get waits for the dpkg lock itself
    # (DPkg::Lock::Timeout); the package lists' lock it does not, so `update` is retried until it is free.
    lock_timeout="${APT_LOCK_TIMEOUT:-600}"
    apt_opts=(-o "DPkg::Lock::Timeout=$lock_timeout")
    waited=0
    until apt-get "${apt_opts[@]}" update -qq; do
      if [ "$waited" -ge "$lock_timeout" ]; then
        echo "apt-get update still failing after ${waited}s (another apt running, or no network?)" >&2
        exit 1
      fi
      echo "apt-get update failed, probably another apt holds the lock; retrying in 5s (${waited}s waited)" >&2
      sleep 5
      waited=$((waited + 5))
    done
    if command -v fuser >/dev/null && fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; then
      echo "waiting for another apt/dpkg to finish (up to ${lock_timeout}s) ..."
    fi
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Insure needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root:  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras="."
[ "$mode" = test ] && extras=".[dev]"
stamp=".venv/.installed-$mode"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e "$extras"
  touch "$stamp"
fi
