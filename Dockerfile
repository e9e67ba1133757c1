# One image for every hirepass service; the command picks which one runs.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY services/api/package.json services/api/
COPY services/worker/package.json services/worker/
COPY services/graph-sim/package.json services/graph-sim/
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY packages packages
COPY services services
COPY scripts scripts
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
