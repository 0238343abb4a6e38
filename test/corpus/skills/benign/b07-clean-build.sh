#!/bin/sh
# Removes build outputs of this project only.
rm -rf ./build ./dist
rm -f /tmp/skill-build.lock
find . -name '*.pyc' -delete
echo "clean"
