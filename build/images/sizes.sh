#!/usr/bin/env bash
# sizes.sh IMAGE... — prints each image's uncompressed size.
set -euo pipefail
for img in "$@"; do
  bytes=$(podman image inspect --format '{{.Size}}' "$img")
  awk -v i="$img" -v b="$bytes" 'BEGIN {printf "image %-26s %6.1f MiB (%d bytes, uncompressed)\n", i, b/1048576, b}'
done
