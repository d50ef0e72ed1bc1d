#!/usr/bin/env bash
# Installs what the build and tests need when it is missing: a JDK 17+, Node.js with npm, and
# Python 3 with venv (for the Python SDK apps of the e2e tests).
# Maven itself comes from the wrapper (./mvnw); npm and Maven Central provide the rest.
set -euo pipefail

need_apt=()
if ! command -v javac >/dev/null 2>&1; then
  need_apt+=(openjdk-17-jdk-headless)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need_apt+=(nodejs npm)
fi
if ! command -v python3 >/dev/null 2>&1; then
  need_apt+=(python3 python3-venv)
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need_apt+=(python3-venv)
fi
if ((${#need_apt[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need_apt[*]}; run as root or install them" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ]; then
  echo "Java 17 or newer is required, found $java_major" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "Node.js 18 or newer is required for the JavaScript SDK tests, found $(node --version)" >&2
  exit 1
fi
