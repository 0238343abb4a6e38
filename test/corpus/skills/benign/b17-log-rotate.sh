#!/bin/bash
# Rotates the skill's own log files.
LOG_DIR="${SKILL_HOME:-$PWD}/logs"
mkdir -p "$LOG_DIR"
for f in "$LOG_DIR"/*.log; do
  [ -e "$f" ] || continue
  mv "$f" "$f.$(date +%Y%m%d)"
  gzip "$f.$(date +%Y%m%d)"
done
chmod 644 "$LOG_DIR"/*.gz
