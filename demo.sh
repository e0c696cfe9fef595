#!/usr/bin/env bash
# Starts Control Tower in demo mode: a SQLite file under ./data, migrated and seeded on first start,
# authentication bypassed as the built-in admin. The dashboard's URL is printed once it listens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK is missing (dotnet not on PATH)" >&2; exit 1; }
export ENVIRONMENT="${ENVIRONMENT:-demo}"
exec dotnet run --project src/ControlTower.Server -c Release -- serve "$@"
