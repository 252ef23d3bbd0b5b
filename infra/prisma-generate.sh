#!/usr/bin/env bash
# Generates the Prisma client into packages/db/src/generated, offline.
# `prisma generate` itself runs on WASM; it only needs PRISMA_SCHEMA_ENGINE_BINARY to name an
# existing file, or it tries to download Prisma's native schema engine, which an air-gapped
# machine cannot (migrations use the WASM engine instead: ARCHITECTURE.md, "Migrations without
# a download").
# Skips when the schema has not changed since the last generate.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"
out=packages/db/src/generated/prisma
stamp=packages/db/src/generated/.schema-hash
hash=$( (cat prisma/schema.prisma; cat node_modules/prisma/package.json 2>/dev/null) | sha256sum | cut -c1-32)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -d "$out" ]; then exit 0; fi
say "generating the Prisma client"
PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$ROOT_DIR/infra/lib.sh}" \
  PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
  npx --no-install prisma generate >/dev/null || die "prisma generate failed (run it by hand to see why)"
echo "$hash" >"$stamp"
