# The rfm-stream image: `rfm` as the entrypoint (`docker run rfm-stream run`).
# Used by docker-compose.yml's processor service and deploy/k8s.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: see deploy/local/run-tests.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
# The Lua scripts are read from src/state/scripts at run time.
COPY src/state/scripts ./src/state/scripts
USER node
EXPOSE 9400
ENTRYPOINT ["node", "bin/rfm.js"]
CMD ["run"]
