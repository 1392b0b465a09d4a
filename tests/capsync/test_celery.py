from django.conf import settings

from capsync.celery import app


def test_celery_uses_redis_when_it_is_there(redis_client):
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)

        assert connection.transport_cls == "redis"
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
