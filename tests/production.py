"""The documented production environment, read from the files an operator follows: `.env.example` (copied to
`.env` and filled in) and `docker-compose.yml` (its services' shared `environment`). Tests start Capsync with it,
so a variable that the documents and the code name differently fails a test.
"""

import os
import re
import secrets
import sys
from pathlib import Path

import yaml
from cryptography.fernet import Fernet

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def compose() -> dict:
    """docker-compose.yml, parsed (YAML anchors and `<<` merges resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_example() -> dict[str, str]:
    """The variables `.env.example` sets (its uncommented lines), as an operator's `.env` starts out."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found[match[1]] = match[2]
    return found


def filled_in(variables: dict[str, str]) -> dict[str, str]:
    """`variables` with the secrets an operator must fill in (empty or "change-me..." values) made up."""
    made_up = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CAPSYNC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "XERO_CLIENT_ID": "capsync-production-check",
        "XERO_CLIENT_SECRET": secrets.token_urlsafe(24),
        "XERO_WEBHOOK_KEY": secrets.token_urlsafe(24),
    }
    return {
        name: made_up[name] if name in made_up and (not value or value.startswith("change-me")) else value
        for name, value in variables.items()
    }


def documented_environment() -> dict[str, str]:
    """What a compose service of Capsync runs with: `.env.example` filled in, then the compose file's own
    `environment` (compose gives it precedence over `env_file`)."""
    service = compose()["services"]["web"]
    assert service.get("env_file") == ".env", "the compose services no longer read .env: update tests/production.py"
    return {**filled_in(env_example()), **{name: str(value) for name, value in service["environment"].items()}}


def process_environment(variables: dict[str, str]) -> dict[str, str]:
    """A clean process environment holding only `variables`, with this venv's executables (`python`, `gunicorn`,
    `celery`) first on PATH as the image has them. Nothing else leaks in from the test run."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    return {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", **variables}
