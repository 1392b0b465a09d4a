"""`manage.py worker_health`, the worker's compose health check: it passes only while the worker consumes every
queue asked for, which `celery inspect ping` cannot tell."""

from socket import gethostname

import pytest
from django.core.management import CommandError, call_command

from capsync.celery import app as celery_app


def _node_name(worker) -> str:
    return worker.args[worker.args.index("-n") + 1].replace("%h", gethostname())


def test_worker_health_passes_while_the_worker_consumes_celery_and_xero(celery_worker_process, capsys):
    node = _node_name(celery_worker_process)

    call_command("worker_health", node=node, timeout=10)

    assert capsys.readouterr().out.strip() == f"{node} consumes celery, xero."


def test_worker_health_fails_when_the_worker_answers_but_left_the_xero_queue(celery_worker_process):
    node = _node_name(celery_worker_process)
    celery_app.control.cancel_consumer("xero", destination=[node], reply=True, timeout=10)

    with pytest.raises(CommandError, match=f"{node} does not consume xero"):
        call_command("worker_health", node=node, timeout=10)
    assert celery_app.control.inspect(destination=[node], timeout=10).ping() == {node: {"ok": "pong"}}


def test_worker_health_fails_when_no_worker_of_that_name_answers(redis_client):
    with pytest.raises(CommandError, match=r"celery@nowhere did not answer within 0\.5 s"):
        call_command("worker_health", node="celery@nowhere", timeout=0.5)
