#!/bin/sh
# forward the local debug port to the dev container
socat TCP-LISTEN:9229,fork,reuseaddr TCP:127.0.0.1:9230
