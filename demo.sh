#!/usr/bin/env bash
# Starts Control Tower in demo mode: a SQLite file under ./data (DATA_DIR), migrated and seeded on first start,
# authentication bypassed as the built-in admin. The dashboard's URL is printed once it listens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK is missing (dotnet not on PATH)" >&2; exit 1; }
export ENVIRONMENT="${ENVIRONMENT:-demo}"
# `dotnet run` starts the server in the project's folder: anchor the data folder at the repository's root.
export DATA_DIR="${DATA_DIR:-$PWD/data}"

echo "demo.sh: building Control Tower (Release). The first build restores NuGet and npm packages and builds the dashboard: a few minutes."
dotnet build src/ControlTower.Server -c Release -nologo -v quiet -clp:NoSummary
echo "demo.sh: starting in $ENVIRONMENT mode; data in $DATA_DIR"
exec dotnet run --project src/ControlTower.Server -c Release --no-build -- serve "$@"
