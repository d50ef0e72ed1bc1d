#!/usr/bin/env bash
# Runs a command with the test servers up (scripts/test-servers.sh): starts them in a fresh
# temporary directory, exports their TANDEM_TEST_* variables, runs CMD, and stops them and
# removes the directory on any exit. Exits with CMD's status.
#   scripts/with-test-servers.sh CMD [ARGS...]
set -euo pipefail

[ $# -gt 0 ] || {
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test-servers.XXXXXX")

# the EXIT trap also runs after INT and TERM, which exit with the usual 128 + signal
trap '"$here/test-servers.sh" stop "$dir" || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$here/test-servers.sh" start "$dir"
# shellcheck disable=SC1091
. "$dir/env"
status=0
"$@" || status=$?
exit "$status"
