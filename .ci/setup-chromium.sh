#!/usr/bin/env bash
# Installs the distribution's Chromium for the playground and report tests (driven by
# playwright-core through executablePath; no browser download). Prints the binary's path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
