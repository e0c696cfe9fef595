#!/usr/bin/env bash
# Installs the pinned MCP reference servers (tools/mcp-servers/package-lock.json) used by the
# integration tests and benchmarks; idempotent (see scripts/lib/npm-locked.sh).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/lib/npm-locked.sh"
npm_install_locked install-mcp-servers "$repo_root/tools/mcp-servers" "install Node.js 20+ to run the MCP reference servers."
