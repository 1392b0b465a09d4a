FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . \
    && DEBUG=1 STATICFILES_MANIFEST=1 python manage.py collectstatic --noinput \
    && useradd --system --home /app capsync && mkdir -p /app/var && chown capsync /app/var
USER capsync
EXPOSE 8000
CMD ["gunicorn", "capsync.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
