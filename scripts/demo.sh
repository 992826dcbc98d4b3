#!/usr/bin/env bash
# Set up and start the demo MCP server (with a local OpenID provider when nothing is configured).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
pnpm demo
