"""Health probes for operators: `/healthz` (database and Redis) and `manage.py worker_health` (Celery queues)."""
