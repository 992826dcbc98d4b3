#!/usr/bin/env bash
# Make the pnpm version named in package.json's "packageManager" available on PATH.
set -euo pipefail
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null || true)" = "$want" ]; then
  exit 0
fi
# corepack's signature check fails on some registries/mirrors: fall back to npm.
if command -v corepack >/dev/null 2>&1 && COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack prepare "pnpm@$want" --activate >/dev/null 2>&1 \
  && corepack enable pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null || true)" = "$want" ]; then
  exit 0
fi
corepack disable pnpm >/dev/null 2>&1 || true
npm install -g "pnpm@$want" >/dev/null
pnpm --version
