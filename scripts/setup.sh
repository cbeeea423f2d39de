#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 for ssdkit: the libtorch packages and oneDNN's headers (for the
# Winograd convolution; installed when run as root, otherwise named), npm dependencies, and the native + TypeScript build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libtorch-dev libopenblas0-pthread libdnnl-dev libgloo-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ -z "${LIBTORCH:-}" ] && [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "ssdkit setup: installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "ssdkit setup: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install ${missing[*]}" >&2
    echo "  (or set LIBTORCH=/path/to/libtorch to build against another libtorch)" >&2
    exit 1
  fi
fi

# Test-only: torchvision's SSD300 parity test (test/models/torchvisionSsd.test.ts) makes its ~140 MB weights
# file with Debian's python3-torchvision at test time; without it that one test is skipped.
if ! dpkg -s python3-torchvision >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "ssdkit setup: installing python3-torchvision with apt-get (for the torchvision parity test)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torchvision >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torchvision >/dev/null; }
  else
    echo "ssdkit setup: python3-torchvision is not installed; the torchvision parity test will be skipped" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Rebuild the addon only when its sources or the libtorch choice changed.
stamp=build/.ssdkit-native-stamp
want="$(cat binding.gyp native/src/* native/libtorch-config.cjs | sha1sum | cut -d' ' -f1) ${LIBTORCH:-debian} $(node native/libtorch-config.cjs defines)"
if [ ! -f build/Release/ssdkit_native.node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npx node-gyp rebuild -j "$(nproc)" >/dev/null
  echo "$want" > "$stamp"
fi
npx tsc -p tsconfig.json
