#!/usr/bin/env bash
# `npm test`: type-check, lint, format check, unit tests, then end-to-end tests on real PostgreSQL and Redis
# (each run in databases and a Redis key prefix of its own). Ends with one line: "tests: N passed, N failed".
source "$(dirname "$0")/lib.sh"
mkdir -p .run

say "type-check"
npx tsc -p tsconfig.json --noEmit
say "lint"
npx eslint . --max-warnings 0
say "format"
npx prettier --check . --log-level warn

status=0
say "unit tests"
npx jest --config jest.unit.config.js --json --outputFile=.run/unit-results.json || status=1

bash scripts/ensure-services.sh
# The e2e tests also start the built apps as real processes (start-up failures, SIGTERM), so build first.
say "build"
npm run --silent build
say "end-to-end tests"
npx jest --config jest.e2e.config.js --json --outputFile=.run/e2e-results.json || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of [".run/unit-results.json", ".run/e2e-results.json"]) {
    if (!fs.existsSync(file)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);'
exit $status
