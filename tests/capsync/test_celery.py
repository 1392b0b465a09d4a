import json

from django.conf import settings

from capsync.celery import app


def test_celery_uses_redis_when_it_is_there(redis_client):
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)

        assert connection.transport_cls == "redis"
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def test_a_worker_logs_through_capsyncs_logging_settings(celery_workers, tmp_path):
    celery_workers(LOG_FORMAT="json")

    lines = [json.loads(line) for line in (tmp_path / "worker-0.log").read_text().splitlines() if line.startswith("{")]

    assert any(line["logger"].startswith("celery") and "ready." in line["message"] for line in lines), lines[-5:]
