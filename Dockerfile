# syntax=docker/dockerfile:1
# The server image, also the mail worker's (`node dist/worker.js`) and the admin command line's
# (`node dist/admin/admin.cli.js`). Four stages: every dependency, the build, the production
# dependencies, and the runtime: production dependencies, dist/ and the runtime files, as `node`.
ARG NODE_IMAGE=node:20-bookworm-slim

# Every dependency, for the build. No install scripts: native modules (argon2, msgpackr) load their
# prebuilt binaries, so the slim image needs no compiler.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module"; the rest is what package.json "files" ships, less the docs.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY views ./views
COPY public ./public
COPY src/passwords/data ./src/passwords/data
USER node
EXPOSE 3000
# Ready: Redis (and PostgreSQL when configured) answer and mail can be sent. No curl in a slim
# image: Node's own fetch. The worker has no HTTP: docker-compose.yml turns this off for it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
