FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN DEBUG=1 SECRET_KEY=build python manage.py collectstatic --noinput \
    && DEBUG=1 SECRET_KEY=build python manage.py compilemessages -v0
RUN useradd --create-home ejournal && mkdir -p /app/media /app/beat && chown ejournal /app/media /app/beat
USER ejournal
EXPOSE 8000
CMD ["gunicorn", "ejournal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket", "--access-logfile", "-"]
