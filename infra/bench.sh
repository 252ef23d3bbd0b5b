#!/usr/bin/env bash
# `npm run bench:build [ROUNDS]`: the test set-up (services of the test profile), then the
# build benchmark. Benchmarks, not tests, check speed: these machines are shared and noisy,
# so read the ratios measured within one run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services.sh"
cd "$ROOT_DIR"
prepare_machine
# The C workload's base image is made with debootstrap (cached on disk after the first run).
command -v debootstrap >/dev/null 2>&1 || { say "installing debootstrap (bench only)"; apt-get install -y -qq debootstrap >/dev/null || die "could not install debootstrap"; }
test_services_up
npx --no-install tsx tests/bench/build-bench.ts "$@"
