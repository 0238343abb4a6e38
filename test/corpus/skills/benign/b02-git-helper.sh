#!/usr/bin/env bash
# Summarises the state of a git repository.
set -euo pipefail
cd "${1:-.}"
branch=$(git rev-parse --abbrev-ref HEAD)
echo "branch: $branch"
git status --short | head -n 20
git log --oneline -n 5
