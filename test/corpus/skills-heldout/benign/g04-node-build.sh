#!/bin/bash
set -euo pipefail
npm ci
node scripts/build.js --out dist
echo "built"
