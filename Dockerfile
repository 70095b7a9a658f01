# stratmap's GraphQL service. Slim, non-root, with a health check on /readyz.
# GraphiQL's assets come from the npm registry at build time; the service serves them itself.
FROM node:20-slim AS web
WORKDIR /web
COPY service/api/web/package.json service/api/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY graph_schema graph_schema
COPY service service
COPY importers importers
COPY clients clients
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 stratmap
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY --from=web /web/node_modules /usr/local/lib/python3.11/site-packages/service/api/web/node_modules
USER stratmap
WORKDIR /home/stratmap
ENV STRATMAP_DB=/home/stratmap/stratmap.db
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=5 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
# Inside a container the service must listen on all interfaces; auth stays on (tokens required).
# --create: a new container starts its own database (compose serves Neo4j instead).
CMD ["stratmap", "serve", "--host", "0.0.0.0", "--port", "8000", "--create"]
