#!/usr/bin/env bash
# Installs the pinned MCP reference servers (tools/mcp-servers/package-lock.json) used by the
# integration tests and benchmarks. Idempotent: runs `npm ci` only when node_modules is missing
# or older than the lockfile. Works offline when the npm cache already holds the packages.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
servers_dir="$repo_root/tools/mcp-servers"
lockfile="$servers_dir/package-lock.json"
stamp="$servers_dir/node_modules/.package-lock.json"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-mcp-servers: '$tool' is not on PATH; install Node.js 20+ to run the MCP reference servers." >&2
    exit 1
  fi
done

if [[ ! -f "$lockfile" ]]; then
  echo "install-mcp-servers: missing $lockfile" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install, so its age tells whether the
# installed tree matches the committed lockfile.
if [[ -f "$stamp" && ! "$lockfile" -nt "$stamp" ]]; then
  echo "install-mcp-servers: up to date ($servers_dir/node_modules)"
  exit 0
fi

echo "install-mcp-servers: npm ci in $servers_dir"
(cd "$servers_dir" && npm ci --no-audit --no-fund --prefer-offline)
touch "$stamp"
