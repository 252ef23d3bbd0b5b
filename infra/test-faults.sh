#!/usr/bin/env bash
# `npm run test:faults`: the fault suite alone (npm test runs it after the other tests), on the
# test profile's services; writes .slipway/test/RELIABILITY.md from the run (the committed
# RELIABILITY.md is a copy of one).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services.sh"
cd "$ROOT_DIR"
prepare_machine
test_services_up
mkdir -p .slipway/test
run_fault_suite
