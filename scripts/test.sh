#!/usr/bin/env bash
# Set up and run the whole test suite: build, typecheck, package lint, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-pnpm.sh
bash scripts/system-deps.sh
pnpm install --frozen-lockfile
pnpm check
