#!/usr/bin/env bash
# `npm run bench [ROUNDS]`: every benchmark suite; `npm run bench:<suite> [ROUNDS] [...]`: one
# (ingest, dispatch, e2e, logs, scale, build). The test set-up (services of the test profile) first, then the
# suite(s). Benchmarks, not tests, check speed: these machines are shared and noisy, so read
# the ratios measured within one run. Each suite prints a table and writes JSON to .slipway/bench/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services.sh"
cd "$ROOT_DIR"
suite=${1:-all}
shift || true
case "$suite" in
  all | ingest | dispatch | e2e | logs | scale | build) ;;
  *) die "unknown benchmark suite $suite (ingest, dispatch, e2e, logs, scale, build or all)" ;;
esac
prepare_machine
test_services_up
run_suite() { say "benchmark: $1"; npx --no-install tsx "tests/bench/$1-bench.ts" "${@:2}"; }
if [ "$suite" = all ]; then
  # Only ROUNDS is passed on, when given: each suite's other arguments keep their defaults.
  for s in ingest dispatch e2e logs scale build; do run_suite "$s" ${1:+"$1"}; done
else
  run_suite "$suite" "$@"
fi
