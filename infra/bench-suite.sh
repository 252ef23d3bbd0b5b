#!/usr/bin/env bash
# `bash infra/bench-suite.sh SUITE [ARGS...]`: the test set-up (services of the test profile),
# then one benchmark suite, tests/bench/SUITE-bench.ts (e2e, logs, scale), with ARGS.
# Services this script started stop when it exits (test_services_up's trap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services.sh"
cd "$ROOT_DIR"
suite=${1:-}
[[ "$suite" =~ ^[a-z0-9-]+$ ]] && [ -f "tests/bench/$suite-bench.ts" ] || die "usage: infra/bench-suite.sh SUITE [ARGS...], SUITE one of: $(cd tests/bench && ls -- *-bench.ts | sed 's/-bench\.ts$//' | tr '\n' ' ')"
shift
prepare_machine
test_services_up
npx --no-install tsx "tests/bench/$suite-bench.ts" "$@"
