#!/usr/bin/env bash
# The test command (README, CI): set up, build, then run every compiled test file with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node --test --test-reporter=spec "${files[@]}"
