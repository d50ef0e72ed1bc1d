#!/usr/bin/env bash
# `make bench`: builds the sidecar and runs the state benchmark (io.tandem.e2e.bench.StateBench,
# including state.redis and state.postgresql against a direct client) and the invocation and
# pub/sub benchmark (io.tandem.e2e.bench.InvokeBench) against real sidecar processes. Figures are printed and written to
# bench/results/state-<UTC timestamp>.md and bench/results/latest.md.
#
#   bench/run.sh            full run (about 2.5 minutes on 2 cores, build included)
#   bench/run.sh --short    quick run (about 30 s plus the build); same as BENCH_SHORT=1
#
# Environment: BENCH_SHORT=1, BENCH_CONCURRENCY, BENCH_SECONDS (measured per phase),
# BENCH_WARMUP_SECONDS (minimum warm-up per transport), BENCH_KEYS, BENCH_STARTS;
# BENCH_SKIP_BUILD=1 reuses the sidecar jar already built.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Redis, PostgreSQL, Kafka and RabbitMQ for the backend figures: started on free loopback ports for
# this run and stopped afterwards (scripts/with-test-servers.sh), unless they already run (their
# TANDEM_TEST_* variables are set, e.g. after `make test-servers`) or BENCH_NO_SERVERS=1.
if [[ -z "${TANDEM_TEST_REDIS_ADDR:-}" && "${BENCH_NO_SERVERS:-0}" != "1" ]]; then
  exec "$root/scripts/with-test-servers.sh" "$root/bench/run.sh" "$@"
fi

for arg in "$@"; do
  case "$arg" in
    --short) export BENCH_SHORT=1 ;;
    *) echo "usage: $0 [--short]" >&2; exit 2 ;;
  esac
done

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  echo "building the sidecar..."
  ./mvnw -B -q -pl sidecar,e2e -am install -DskipTests
fi

# fortio drives the invocation benchmark, as in Dapr's own performance tests. Newer fortio releases
# need a module the Go proxy does not serve, so the version is pinned.
fortio_version=v1.66.1
tools="$root/bench/.tools"
if [[ ! -x "$tools/bin/fortio" ]] || ! "$tools/bin/fortio" version 2>/dev/null | grep -q "${fortio_version#v}"; then
  if ! command -v go >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
    else
      echo "go is needed to install fortio; install golang-go" >&2
      exit 1
    fi
  fi
  echo "installing fortio $fortio_version..."
  GOBIN="$tools/bin" GOPATH="$tools/gopath" GOFLAGS=-mod=mod go install "fortio.org/fortio@$fortio_version"
fi
export FORTIO="$tools/bin/fortio"

./mvnw -B -q -pl e2e test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.tandem.e2e.bench.StateBench \
  -Dtandem.root="$root" \
  -Dtandem.sidecar.jar="$root/sidecar/target/tandem-sidecar.jar"

./mvnw -B -q -pl e2e exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=io.tandem.e2e.bench.InvokeBench \
  -Dtandem.root="$root" \
  -Dtandem.sidecar.jar="$root/sidecar/target/tandem-sidecar.jar"
