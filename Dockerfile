# Slipway's own image: one image for every role, picked by the first argument (api, worker,
# publisher, migrate; infra/image-entrypoint.sh). README, "Slipway's own image":
#   docker buildx build -t slipway .
#
# BASE: Debian 12 with Node.js 20.19+, npm and bash (any node:20-bookworm image). git, tini and
# CA certificates come from Debian's packages when the base lacks them.
# DOCKER_CLI: an image with a static docker CLI at /usr/local/bin/docker and the buildx plugin
# at /usr/local/libexec/docker/cli-plugins/docker-buildx (the official docker:<version>-cli):
# the worker runs `docker buildx build` against DOCKER_HOST.
# No `# syntax=` line: BuildKit's built-in Dockerfile frontend has cache mounts, and a syntax
# image would be pulled from Docker Hub.
ARG BASE=node:20-bookworm-slim
ARG DOCKER_CLI=docker:26-cli

FROM ${DOCKER_CLI} AS docker-cli

# Every package.json and the lockfile, nothing else: the `npm ci` layers below are reused until
# a dependency changes, whatever else a change touched (COPY --from compares contents).
FROM ${BASE} AS manifests
COPY . /src
RUN mkdir /out && cd /src && cp package-lock.json /out/ \
  && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \;

# Dependencies (dev included) and the build: the Prisma client and the dashboard's files.
# --ignore-scripts: no install script runs, as under npm 11 without allowScripts approvals (none
# is needed: Prisma generates and migrates on WASM, esbuild's binary is an optional package),
# and so also with the npm 10 of a node:20 base.
FROM ${BASE} AS build
WORKDIR /app
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY . .
RUN bash infra/prisma-generate.sh && npm run --silent build -w @slipway/dashboard

# Production dependencies only (tsx among them: the apps run from their TypeScript sources).
FROM ${BASE} AS prod-deps
WORKDIR /app
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
  -w @slipway/api -w @slipway/worker -w @slipway/publisher-app --include-workspace-root

FROM ${BASE} AS runtime
RUN if command -v git >/dev/null && [ -x /usr/bin/tini ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then exit 0; fi; \
  apt-get update && apt-get install -y --no-install-recommends ca-certificates git tini && rm -rf /var/lib/apt/lists/*
# The apps run as uid/gid 10001; the code stays root's, read-only to them. The worker's git
# mirrors default to /var/cache/slipway/worker (SLIPWAY_WORKER_CACHE_DIR): mount a volume there.
RUN groupadd --gid 10001 slipway \
  && useradd --uid 10001 --gid 10001 --home-dir /home/slipway --create-home --shell /usr/sbin/nologin slipway \
  && install -d -o 10001 -g 10001 /var/cache/slipway /var/cache/slipway/worker
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker-cli /usr/local/libexec/docker/cli-plugins/docker-buildx /usr/local/libexec/docker/cli-plugins/docker-buildx
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY tsconfig.json ./
COPY prisma ./prisma
COPY packages ./packages
COPY apps/api ./apps/api
COPY apps/worker ./apps/worker
COPY apps/publisher ./apps/publisher
COPY --from=build /app/packages/db/src/generated ./packages/db/src/generated
COPY --from=build /app/apps/dashboard/dist ./apps/dashboard/dist
COPY infra/image-entrypoint.sh /usr/local/bin/slipway
ENV NODE_ENV=production PORT=8080
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/slipway"]
CMD ["api"]
