#!/usr/bin/env bash
# README's CI step, run by tests/integration/recipes.rs: the mock in the background on a free
# port, the app's e2e suite against it, the mock stopped (its summary ends mock.log).
set -euo pipefail
npx mfa-contract mock --port 0 --ready-file mock.url > mock.log 2>&1 &
timeout 30 sh -c 'until [ -s mock.url ]; do sleep 0.1; done'
MFA_CONTRACT_MOCK_URL="$(cat mock.url)" npm run e2e
curl -fsS -o /dev/null -X POST "$(cat mock.url)/__admin/shutdown" && wait
cat mock.log
