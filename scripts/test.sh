#!/usr/bin/env bash
# `npm test`: the one gate. Sets up, then typecheck + lint + format check, unit and integration
# tests (real encrypted files, sockets, keychain), and the browser journeys in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== check: typecheck, lint, format"
npm run --silent check
echo "== unit and integration tests"
npx vitest run
echo "== browser journeys (Playwright, Debian Chromium)"
npx playwright test
