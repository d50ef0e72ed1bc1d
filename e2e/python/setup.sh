#!/usr/bin/env bash
# Creates e2e/python/.venv with the pinned official Dapr Python SDK (requirements.txt).
# Idempotent: does nothing when the venv already holds exactly requirements.txt.
# Needs python3 (3.9+) with the venv module; on Debian that is the python3-venv package, which
# this script installs through apt when it runs as root and the module is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 is required for the Python SDK end-to-end tests" >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
  echo "Python 3.9 or newer is required, found $(python3 --version)" >&2
  exit 1
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

# Debian ships the venv module (and ensurepip) separately from python3.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${pyver}-venv" >/dev/null
  else
    echo "the python3 venv module is missing: install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi

rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" >"$stamp"
echo "e2e/python: venv ready at $venv ($("$venv/bin/python" --version); dapr $("$venv/bin/python" -c 'from dapr.version import __version__; print(__version__)'))"
