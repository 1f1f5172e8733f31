# syntax=docker/dockerfile:1
# Депеша: multi-stage build — wheels are built in the first stage, the runtime stage has
# no compiler, runs as a non-root user and keeps its database on the /data volume.

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/depesha.sqlite3 \
    HEALTH_PORT=8081
RUN apt-get update \
    && apt-get install --no-install-recommends -y tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 depesha \
    && mkdir /data && chown depesha:depesha /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER depesha
WORKDIR /home/depesha
VOLUME ["/data"]
EXPOSE 8080 8081
# /healthz answers on HEALTH_PORT while polling and on WEBHOOK_PORT in webhook mode.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get('HEALTH_PORT') if not os.environ.get('WEBHOOK_URL') else os.environ.get('WEBHOOK_PORT', '8080'); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"
CMD ["depesha", "run"]
