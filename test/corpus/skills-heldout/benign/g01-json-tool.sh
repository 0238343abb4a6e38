#!/bin/bash
# pretty-print the API status
curl -s https://api.example.com/status | python3 -m json.tool
