"""A smoke run of the production stack, from docker-compose.yml's own commands (there is no container engine here).

It builds the static files as the Dockerfile does, then starts the compose services' commands (web: migrate and
gunicorn, worker, beat) with DEBUG=0 on PostgreSQL and Redis, in the documented environment (`.env.example`
filled in, plus the compose environment), against the Xero sandbox. Only what a container would have differently
is substituted, each substitution must find its text in the compose file, and the processes see no other
environment. So when the compose file and the code disagree (a command, a variable, a queue), this test fails.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import global_settings
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from capsync.celery import app as celery_app
from contacts.models import Contact
from demo import services as demo
from integrations.xero.models import SyncRun
from invoices.models import Invoice
from tests import production
from tests.celery_worker import _database_url
from tests.demo_world import _connect
from tests.sandbox import SandboxControl

WAIT_SECONDS = 120
HTTP_TIMEOUT = (5, 30)
FANOUT_SECONDS = 5  # beat's fan-out looks for due organisations this often
SIGNED_IN_USER = "sam@example.com"  # the demo's salesperson in the team that owns Acme Widgets Ltd
CONTACT_NAME = "Acme Widgets Ltd"
HASHED_STATIC = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _substituted(text: str, replacements: dict[str, str], *, where: str) -> str:
    """`text` with each container-only value replaced; a value the compose file no longer has fails the run."""
    for old, new in replacements.items():
        assert old in text, f"{where} no longer contains {old!r}: {text!r}. Update this smoke run with it."
        text = text.replace(old, new)
    return text


def _healthcheck_argv(service: dict, replacements: dict[str, str], *, name: str) -> list[str]:
    kind, *rest = service["healthcheck"]["test"]
    where = f"{name}'s health check"
    if kind == "CMD-SHELL":
        return ["sh", "-c", _substituted(rest[0], replacements, where=where)]
    assert kind == "CMD", f"{where} is neither CMD nor CMD-SHELL"
    return shlex.split(_substituted(shlex.join(rest), replacements, where=where))


def _dockerfile_collectstatic() -> str:
    """The Dockerfile's own collectstatic step (one `&&` segment of a RUN instruction)."""
    text = (production.REPO_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = [step.strip() for line in text.splitlines() if line.startswith("RUN ") for step in line[4:].split("&&")]
    collect = [step for step in steps if "collectstatic" in step]
    assert len(collect) == 1, f"the Dockerfile should collect static files in one RUN step, found {collect}"
    return collect[0]


class Stack:
    """The processes this test starts, each in its own process group (sh -c and gunicorn, celery's pool), all
    stopped at the end."""

    def __init__(self, log_dir: Path, environment: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.environment = environment
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> None:
        with (self.log_dir / f"{name}.log").open("w") as log:
            self.processes[name] = subprocess.Popen(
                argv,
                cwd=production.REPO_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def run(self, argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, cwd=production.REPO_ROOT, env=self.environment, capture_output=True, text=True, timeout=WAIT_SECONDS
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}.log (last lines)\n{(self.log_dir / f'{name}.log').read_text()[-3000:]}"
            for name in self.processes
        )

    def wait_until(self, what: str, predicate: Callable[[], object]) -> object:
        """Poll `predicate` until it is truthy, failing with every log once WAIT_SECONDS pass or a service dies."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            value = predicate()
            if value:
                return value
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                pytest.fail(f"{what}: {'exited: ' + ', '.join(dead) if dead else 'timed out'}\n{self.logs()}")
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    started = Stack(tmp_path, {})
    yield started
    started.stop()


class Browser:
    """HTTP as a browser behind the TLS proxy sees it: the proxy adds X-Forwarded-Proto, and the Secure cookies
    travel because the browser's side of the proxy is HTTPS (so they are kept here, not in an http cookie jar)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.origin = "https://" + urlsplit(base_url).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
        response = requests.request(
            method,
            self.base_url + path,
            cookies=self.cookies,
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
            headers={"X-Forwarded-Proto": "https", "Origin": self.origin, **(headers or {})},
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def sign_in(self, *, email: str, password: str) -> requests.Response:
        form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert form.status_code == 200, form.text[:500]
        assert token, form.text[:500]
        return self.request(
            "POST",
            "/accounts/login/",
            headers={"Referer": f"{self.origin}/accounts/login/"},
            data={"login": email, "password": password, "csrfmiddlewaretoken": token[1]},
        )


def test_the_compose_services_run_capsync_in_production(
    stack, demo_sandbox_server: SandboxControl, redis_client, transactional_db, settings, tmp_path
):
    compose = production.compose()
    services = compose["services"]
    environment = production.documented_environment()
    for variable in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):  # compose names its own services; we replace them
        assert urlsplit(environment[variable]).hostname in services, f"{variable} does not name a compose service"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    sandbox = demo_sandbox_server
    sandbox.reset()
    sandbox.clear_faults()
    environment.update(
        {
            "DATABASE_URL": _database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "CACHE_URL": urlsplit(django_settings.REDIS_URL)._replace(scheme="rediscache").geturl(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
            "SITE_URL": f"https://127.0.0.1:{port}",
            "STATIC_ROOT": str(tmp_path / "staticfiles"),
            "XERO_LOGIN_URL": sandbox.login_url,
            "XERO_IDENTITY_URL": sandbox.identity_url,
            "XERO_API_URL": sandbox.api_url,
            "XERO_CLIENT_ID": "capsync-demo",
            "XERO_CLIENT_SECRET": "demo-secret",
            "XERO_SYNC_FANOUT_SECONDS": str(FANOUT_SECONDS),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(_free_port()),  # nothing may leave this machine
        }
    )
    stack.environment = production.process_environment(environment)
    # This process links the organisation through the wizard's services, with the stack's secrets.
    settings.XERO_LOGIN_URL, settings.XERO_IDENTITY_URL = sandbox.login_url, sandbox.identity_url
    settings.XERO_API_URL, settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = (
        sandbox.api_url,
        "capsync-demo",
        "demo-secret",
    )
    settings.CAPSYNC_ENCRYPTION_KEYS = environment["CAPSYNC_ENCRYPTION_KEYS"].split(",")
    demo.demo_data_load(today=timezone.localdate())
    connections = _connect(sandbox, admin=User.objects.get(email=demo.DEMO_ADMIN_EMAIL))
    contact = Contact.objects.get(name=CONTACT_NAME)
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the suite's fast hasher is not in production's
    salesperson = User.objects.get(email=SIGNED_IN_USER)
    salesperson.set_password(demo.DEMO_PASSWORD)
    salesperson.save(update_fields=["password"])
    assert not Invoice.objects.exists()
    with celery_app.connection_for_write() as broker:  # earlier tests' tasks are not this stack's work
        for queue in ("celery", "xero"):
            broker.default_channel.queue_purge(queue)
    collected = stack.run(["sh", "-c", _dockerfile_collectstatic()])
    assert collected.returncode == 0, collected.stderr

    stack.start(
        "web",
        shlex.split(
            _substituted(services["web"]["command"], {"0.0.0.0:8000": f"127.0.0.1:{port}"}, where="web's command")
        ),
    )
    stack.start("worker", shlex.split(services["worker"]["command"]))
    stack.start(
        "beat",
        shlex.split(_substituted(services["beat"]["command"], {"/app/var/": f"{tmp_path}/"}, where="beat's command")),
    )
    health = stack.wait_until("web answers /healthz", lambda: _healthz(base_url))
    runs = stack.wait_until(
        "beat's fan-out runs a sync of each organisation in the worker",
        lambda: _finished_runs(connection_ids=[connection.pk for connection in connections.values()]),
    )
    web_check = stack.run(_healthcheck_argv(services["web"], {"127.0.0.1:8000": f"127.0.0.1:{port}"}, name="web"))
    worker_check = stack.run(_healthcheck_argv(services["worker"], {}, name="worker"))
    browser = Browser(base_url)
    plain_http = requests.get(f"{base_url}/accounts/login/", timeout=HTTP_TIMEOUT, allow_redirects=False)
    signed_in = browser.sign_in(email=SIGNED_IN_USER, password=demo.DEMO_PASSWORD)
    card = browser.get(reverse("invoices:contact", args=[contact.pk]), headers={"HX-Request": "true"})
    missing = browser.get("/no-such-page/")
    dashboard = browser.get("/")
    static_path = HASHED_STATIC.search(dashboard.text)
    static = browser.get(static_path[0], headers={"Accept-Encoding": "gzip"}) if static_path else None

    assert health == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert {run.outcome for run in runs} == {SyncRun.Outcome.SUCCEEDED}, [run.message for run in runs]
    assert web_check.returncode == 0, web_check.stderr
    assert worker_check.returncode == 0, worker_check.stdout + worker_check.stderr
    assert "consumes celery, xero" in worker_check.stdout
    assert plain_http.status_code == 301
    assert plain_http.headers["Location"] == f"https://127.0.0.1:{port}/accounts/login/"
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert dashboard.status_code == 200
    assert "max-age=31536000" in dashboard.headers["Strict-Transport-Security"]
    assert card.status_code == 200
    numbers = set(Invoice.objects.filter(contact=contact).exclude(number="").values_list("number", flat=True))
    assert numbers
    assert any(number in card.text for number in numbers), card.text[:2000]
    assert missing.status_code == 404
    assert "URLconf" not in missing.text  # DEBUG is off: no technical 404 page
    assert static_path, dashboard.text[:2000]
    assert static.status_code == 200
    assert "immutable" in static.headers["Cache-Control"]
    assert static.headers.get("Content-Encoding") == "gzip"


def _healthz(base_url: str) -> dict | None:
    try:
        response = requests.get(f"{base_url}/healthz", timeout=HTTP_TIMEOUT)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def _finished_runs(*, connection_ids: list[int]) -> list[SyncRun] | None:
    runs = [
        SyncRun.objects.filter(connection_id=connection_id)
        .exclude(outcome__in=[SyncRun.Outcome.RUNNING, SyncRun.Outcome.SKIPPED])
        .first()
        for connection_id in connection_ids
    ]
    return runs if all(runs) else None
