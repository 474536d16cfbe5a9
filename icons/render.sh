#!/usr/bin/env bash
# Renders the PNG icons from hookscope.svg, the icon's one source.
# Needs rsvg-convert (Debian/Ubuntu: apt-get install librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" --output "hookscope-$size.png" hookscope.svg
done
