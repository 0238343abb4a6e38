#!/bin/bash
# archive the skill's output directory
tar -czf out.tgz ./out
sha256sum out.tgz > out.tgz.sha256
