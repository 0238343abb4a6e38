#!/bin/sh
# Basic connectivity diagnostics for the skill backend.
dig +short api.example.com
nslookup api.example.com
nc -zv localhost 5432
ping -c 1 api.example.com
