#!/usr/bin/env bash
# Installs the pinned official MCP conformance suite and the Node 22 it needs
# (tools/mcp-conformance/package-lock.json) for Control Tower's conformance test. Idempotent: runs
# `npm ci` only when node_modules is missing or older than the lockfile. Works offline when the npm
# cache already holds the packages. Run the suite with tools/mcp-conformance/node_modules/.bin first
# on PATH (that is where Node 22 is).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite_dir="$repo_root/tools/mcp-conformance"
lockfile="$suite_dir/package-lock.json"
stamp="$suite_dir/node_modules/.package-lock.json"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-mcp-conformance: '$tool' is not on PATH; install Node.js 20+ (the suite itself runs on the Node 22 it installs)." >&2
    exit 1
  fi
done

if [[ ! -f "$lockfile" ]]; then
  echo "install-mcp-conformance: missing $lockfile" >&2
  exit 1
fi

if [[ -f "$stamp" && ! "$lockfile" -nt "$stamp" ]]; then
  echo "install-mcp-conformance: up to date ($suite_dir/node_modules)"
  exit 0
fi

echo "install-mcp-conformance: npm ci in $suite_dir"
(cd "$suite_dir" && npm ci --no-audit --no-fund --prefer-offline)
touch "$stamp"
