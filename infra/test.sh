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

mkdir -p test-results
rm -f test-results/vitest-*.json
status=0

# Unit and integration tests run in parallel; the browsers then get the machine to themselves.
step "unit and integration tests (vitest)"
npx vitest run --project unit --project integration \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-node.json || status=$?

step "end-to-end tests in Chromium (vitest)"
npx vitest run --project e2e \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-e2e.json || status=$?

# The benchmarks at smoke size, so that none can rot. They start servers and a browser of their
# own, so they run after the other tests rather than beside them.
step "benchmarks at smoke size (vitest)"
npx vitest run --project bench \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-bench.json || status=$?

# One plain closing line that any CI reader understands.
node -e '
  const runs = ["node", "e2e", "bench"].map((name) => {
    try { return require(`./test-results/vitest-${name}.json`); } catch { return null; }
  });
  const sum = (key) => runs.reduce((n, r) => n + (r ? r[key] : 0), 0);
  const missing = runs.filter((r) => r === null).length;
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests") + missing} failed, ${sum("numPendingTests") + sum("numTodoTests")} skipped`);
'
exit "$status"
