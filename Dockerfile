# syntax=docker/dockerfile:1
#
# One image for every service; the command picks the service:
#   node apps/gateway/dist/main.js            (HTTP API, port 3000)
#   node apps/mail-fetcher/dist/main.js       (3001: /health, /metrics)
#   node apps/ticket-processor/dist/main.js   (3002)
#   node apps/mail-sender/dist/main.js        (3003)
#   node apps/bounce-worker/dist/main.js      (3004)
#   node libs/persistence/dist/migrate.js     (one-shot: apply migrations, exit)
# No HEALTHCHECK: compose and Kubernetes probe /health on the service's HTTP port themselves.
#
#   docker build -t ticket-workflow-engine:local .

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_TUI=false \
    npm_config_update_notifier=false

# Only the package manifests, so `npm ci` below is re-run when a dependency changes, not on every
# source edit (BuildKit keys `COPY --from` on the content of what is copied).
# Every package.json is kept (new workspaces need no change here), everything else removed.
FROM base AS manifests
COPY . .
RUN find . ! -type d ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -mindepth 1 -type d -empty -delete

# Full install (dev dependencies included: nx, typescript) and the build of every app and lib.
FROM base AS build
COPY --from=manifests /app ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --outputStyle=static \
 && mkdir /out \
 && find . -name package.json -not -path './node_modules/*' -not -path '*/node_modules/*' | while read -r manifest; do \
      dir=$(dirname "$manifest"); \
      [ "$dir" != . ] && [ -d "$dir/dist" ] || continue; \
      mkdir -p "/out/$dir" && cp -R "$dir/dist" "/out/$dir/dist"; \
    done

# Production dependencies only: the dev dependencies pruned by installing without them from the same
# lock file (workspace links in node_modules/@twe/* point at the apps/ and libs/ folders copied below).
FROM base AS production-dependencies
COPY --from=manifests /app ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ticket-workflow-engine" \
      org.opencontainers.image.description="Email-to-ticket engine: gateway, mail-fetcher, ticket-processor, mail-sender, bounce-worker"
WORKDIR /app
ENV NODE_ENV=production
# Files stay owned by root: the service user reads them and cannot change them, and the container
# runs with a read-only root file system in Kubernetes.
COPY --from=production-dependencies /app ./
COPY --from=build /out ./
USER node
EXPOSE 3000 3001 3002 3003 3004
CMD ["node", "apps/gateway/dist/main.js"]
