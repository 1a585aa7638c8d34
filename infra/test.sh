#!/usr/bin/env bash
# Every check and test of Teamrom, in the order that fails fastest. Called by `npm test` after
# infra/setup.sh --test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n[test] %s\n' "$*" >&2; }

step "formatting (prettier)"
npx prettier --check . --log-level warn

step "types (tsc)"
for workspace in sfu-server signaling web-client tests; do
  npx tsc -p "$workspace"
done

step "lint (eslint)"
npx eslint --max-warnings 0 .

step "unit, integration and end-to-end tests (vitest)"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?

# One plain closing line that any CI reader understands.
node -e '
  const r = require("./test-results/vitest.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
