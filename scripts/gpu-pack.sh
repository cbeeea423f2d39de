#!/usr/bin/env bash
# Packs, on this machine, what scripts/gpu-check.sh needs on a GPU machine that has no Node and fetches nothing,
# into .gpu/ (git-ignored; pass `carry: [".gpu"]` to the device tool, which carries up to 64 MiB):
#   .gpu/node.xz            this machine's Node 20 binary, xz-compressed
#   .gpu/include/node/      the Node-API headers (node_api.h, js_native_api.h, js_native_api_types.h, node_api_types.h)
#   .gpu/runtime.tar.xz     dist/ (the compiled TypeScript, tests and benchmarks) and the production node_modules/
#                           (node-addon-api's headers among them)
# Fails when the pack exceeds 64 MiB. No binary is committed: run this before each GPU check.
#
#   bash scripts/gpu-pack.sh && bash scripts/gpu-check.sh --cpu-dry-run     # prove it here
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((64 * 1024 * 1024))

node_bin="$(command -v node)"
case "$("$node_bin" --version)" in v20.*) ;; *) echo "gpu-pack: $node_bin is $("$node_bin" --version), need Node 20" >&2; exit 1 ;; esac
npx tsc -p tsconfig.json

rm -rf .gpu
mkdir -p .gpu/include/node
for h in node_api.h js_native_api.h js_native_api_types.h node_api_types.h; do
  cp "/usr/include/node/$h" .gpu/include/node/ || { echo "gpu-pack: /usr/include/node/$h missing (Debian: apt-get install libnode-dev)" >&2; exit 1; }
done
xz -T0 -6 -c "$node_bin" > .gpu/node.xz

mapfile -t deps < <(npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sed "s#^$PWD/##" | sort -u)
[ "${#deps[@]}" -gt 0 ] || { echo 'gpu-pack: npm ls found no production dependencies (run npm ci)' >&2; exit 1; }
tar -cf - dist "${deps[@]}" | xz -T0 -6 > .gpu/runtime.tar.xz

total=$(du -cb .gpu | tail -1 | cut -f1)
ls -l .gpu/node.xz .gpu/runtime.tar.xz
echo "gpu-pack: .gpu holds $((total / 1024 / 1024)) MiB ($total bytes) of the device tool's 64 MiB"
[ "$total" -le "$LIMIT" ] || { echo 'gpu-pack: too large for the device tool' >&2; exit 1; }
