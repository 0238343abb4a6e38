#!/bin/sh
# sum the second column of the usage report
awk -F, '{ total += $2 } END { print total }' usage.csv
