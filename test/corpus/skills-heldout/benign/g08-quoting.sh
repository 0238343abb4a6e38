#!/bin/bash
# prints a greeting in several quoting styles
echo "hello, 'world'"
printf '%s\n' "sh is a shell" 'bash is too'
name="agent"; echo "${name}"
