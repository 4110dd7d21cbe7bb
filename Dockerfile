# The portal's production image: gunicorn by default; docker-compose.yml runs the same image as the
# migration job, the Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

# WeasyPrint's libraries and the fonts PDFs are drawn with (Noto covers Arabic and Kurdish); gettext
# for compilemessages; pg_dump and pg_restore (15, as the server) for bin/backup and bin/restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core fonts-noto-core gettext \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# The processes run as this user; the code stays owned by root, so they cannot change it. Only the
# upload directories (volumes in docker-compose.yml) are theirs to write.
RUN groupadd --gid 10001 portal \
    && useradd --uid 10001 --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal \
    && mkdir -p /data/media /data/private \
    && chown portal:portal /data/media /data/private

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are collected with production settings (DEBUG=0) so that the manifest storage hashes
# them. The key and host given here exist only for this command and are not kept in the image.
RUN python manage.py compilemessages --ignore=.venv -v0 \
    && env DEBUG=0 \
        SECRET_KEY=build-time-only-not-a-secret-never-used-at-runtime-0123456789 \
        ALLOWED_HOSTS=build.invalid \
        python manage.py collectstatic --noinput -v0

USER portal

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
