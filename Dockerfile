# One image for every part of token-chaos: the operator and the authz-server are subcommands of
# the same `token-chaos` command (charts/token-chaos passes `operator ...` or `authz ...` as args).
#
#   docker build -t ghcr.io/tokenchaos/token-chaos:0.1.0 .

# Build: compile the TypeScript sources to JavaScript in dist/ with the project's own toolchain.
FROM node:24-slim AS build
# make runs the same `make build` as a developer does; the slim image has no make.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY Makefile tsconfig.json tsconfig.build.json ./
COPY api/ api/
COPY authz-server/ authz-server/
COPY bin/ bin/
COPY cli/ cli/
COPY operator/ operator/
COPY proto/ proto/
RUN make build

# Runtime: production dependencies and the compiled JavaScript only; no compiler, no sources.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/ carries its own copy of proto/ (the authz-server loads it relative to its module);
# proto/ and crds/ at the top are for people and tools that read them from the image.
COPY --from=build /src/dist/ dist/
COPY proto/ proto/
COPY crds/ crds/
# Files stay owned by root and world-readable: the process cannot change them, and any
# non-root uid can run it (the chart runs it as 65532 with a read-only root filesystem).
USER 1000
ENTRYPOINT ["node", "dist/bin/token-chaos.js"]
