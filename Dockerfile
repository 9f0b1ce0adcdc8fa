# syntax=docker/dockerfile:1

# Khaznati DZ: a builder stage with the full toolchain, then a slim runtime with only
# what the app needs to run. Node.js 26 is the current LTS line; package.json accepts 20.19+.
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-bookworm AS builder
WORKDIR /app

# Dependencies first, so that a change to the code alone reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runner
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app

# Code and dependencies belong to root and are read-only to the app's user ("node", uid
# 1000, from the base image); only /data is writable.
COPY --from=builder /app/package.json /app/package-lock.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
# SQL migrations, applied at start.
COPY --from=builder /app/drizzle ./drizzle
# The client scripts and styles: esbuild bundles them from source at start, with the
# compiler settings of tsconfig.json.
COPY --from=builder /app/src ./src
COPY --from=builder /app/tsconfig.json ./

RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 3000
# /healthz answers 503 when the database, the storage or Redis does not answer in 2 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", \
  "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/src/main.js"]
