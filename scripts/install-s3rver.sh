#!/usr/bin/env bash
# Installs the pinned s3rver (tools/s3rver/package-lock.json) that the blob store's S3 tests run
# against; idempotent (see scripts/lib/npm-locked.sh).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/lib/npm-locked.sh"
npm_install_locked install-s3rver "$repo_root/tools/s3rver" "install Node.js 20+ to run s3rver."
