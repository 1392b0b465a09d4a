"""Settings refuse unsafe production configuration. Each case starts a fresh interpreter, as a server would."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 50


def _start(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "CAPSYNC_ENCRYPTION_KEYS"}}
    env.update(environment, DJANGO_SETTINGS_MODULE="capsync.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60,
    )


def test_production_refuses_default_secret_key():
    result = _start(DEBUG="0", CAPSYNC_ENCRYPTION_KEYS=Fernet.generate_key().decode())

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_production_refuses_missing_encryption_key():
    result = _start(DEBUG="0", SECRET_KEY=GOOD_SECRET)

    assert result.returncode != 0
    assert "set CAPSYNC_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_malformed_encryption_key():
    result = _start(DEBUG="0", SECRET_KEY=GOOD_SECRET, CAPSYNC_ENCRYPTION_KEYS="not-a-fernet-key")

    assert result.returncode != 0
    assert "key 1 is not a Fernet key" in result.stderr


def test_production_starts_with_secret_from_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(GOOD_SECRET)

    result = _start(DEBUG="0", SECRET_KEY_FILE=str(secret_file), CAPSYNC_ENCRYPTION_KEYS=Fernet.generate_key().decode())

    assert result.returncode == 0, result.stderr


def test_debug_must_be_a_boolean():
    result = _start(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr
