#!/usr/bin/env bash
# The README's main job: set up, build, then run `ssdkit demo` on the built-in synthetic dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/src/cli/main.js demo "$@"
