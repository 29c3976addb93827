# The edocwatch image: one image for every role (migrate, workers, dashboard); the compose file
# picks the role with the command, e.g. `worker --queues sync`. Build: docker build -t edocwatch .

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` builds, and the sources are not copied yet (the
# dependencies' own install scripts are optional native speed-ups with pure-JS fallbacks).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    RAW_STORE=/var/lib/edocwatch/raw
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
# Migrations are plain SQL that tsc does not copy into dist/.
COPY src/db/migrations ./src/db/migrations
# Created here so that a fresh named volume mounted on it starts owned by the node user.
RUN mkdir -p /var/lib/edocwatch/raw && chown -R node:node /var/lib/edocwatch
USER node
ENTRYPOINT ["node", "/app/bin/edocwatch.js"]
CMD ["serve", "--port", "8080"]
