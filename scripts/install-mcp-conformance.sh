#!/usr/bin/env bash
# Installs the pinned official MCP conformance suite and the Node 22 it needs
# (tools/mcp-conformance/package-lock.json); idempotent (see scripts/lib/npm-locked.sh). Run the suite
# with tools/mcp-conformance/node_modules/.bin first on PATH (that is where Node 22 is).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/lib/npm-locked.sh"
npm_install_locked install-mcp-conformance "$repo_root/tools/mcp-conformance" "install Node.js 20+ (the suite itself runs on the Node 22 it installs)."
