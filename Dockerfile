# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=aftersales.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY aftersales ./aftersales
COPY tickets ./tickets
COPY technicians ./technicians
COPY parts ./parts
COPY audits ./audits
RUN pip install --no-cache-dir .
COPY . .
# Build-time only values: collectstatic and compilemessages read settings but touch no database.
RUN SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(50))") \
    ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c "python manage.py collectstatic --noinput && python manage.py compilemessages -v0"
RUN useradd --system --home /app aftersales && mkdir -p /app/var && chown -R aftersales /app/var
USER aftersales
EXPOSE 8000
# Worker class, count and threads: aftersales/gunicorn.py (WEB_WORKER_CLASS, WEB_WORKERS, WEB_THREADS).
CMD ["gunicorn", "-c", "python:aftersales.gunicorn", "aftersales.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
