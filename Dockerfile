# Insure: one image for every role (web, worker, beat, migrate); compose.yaml picks the command.
FROM python:3.11-slim-bookworm

# QT_QPA_PLATFORM: wkhtmltopdf (Qt) renders without an X server on the offscreen platform.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QT_QPA_PLATFORM=offscreen

# PDF rendering (wkhtmltopdf), CJK fonts for Chinese documents, and poppler-utils (pdftotext/pdftoppm).
RUN apt-get update \
    && apt-get install -y --no-install-recommends wkhtmltopdf fonts-noto-cjk poppler-utils \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 insure \
    && useradd --system --uid 10001 --gid insure --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin insure

WORKDIR /app
# Dependencies first, from the lock file alone, so that a code change does not reinstall them. Every package
# is pinned with its hashes (scripts/update_lock.sh writes requirements.lock from pyproject.toml): the same
# versions in every build, and pip refuses a file whose hash differs.
COPY requirements.lock /app/
RUN pip install --require-hashes -r requirements.lock

COPY . /app
# `pip install --no-deps .` adds the package and the `insure` console script (the dependencies are the lock's,
# installed above). PYTHONPATH (set below) makes the source tree in /app win over the installed copy, so the
# repository-root files that the wheel does not contain (piccolo_conf.py, templates/) are found and
# settings.PROJECT_ROOT is /app, as in development.
RUN pip install --no-deps . \
    && python -m compileall -q /app \
    && mkdir -p /app/var/documents /app/var/mail \
    && chown -R insure:insure /app/var

ENV PYTHONPATH=/app \
    VAR_DIR=/app/var \
    DOCUMENT_DIR=/app/var/documents

USER insure
EXPOSE 8000

# No curl in slim: probe with the standard library. urlopen raises on non-2xx, so any failure exits 1.
# Host: localhost must pass ALLOWED_HOSTS (compose.yaml adds it) unless the app exempts /health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/health', headers={'Host': 'localhost'}), timeout=4)"]

CMD ["insure", "web", "--host", "0.0.0.0", "--port", "8000"]
