"""Settings refuse unsafe production configuration. Each case starts a fresh interpreter, as a server would."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 50
SMTP = "django.core.mail.backends.smtp.EmailBackend"
PRINT_SECURITY_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
)
_UNSET = {
    "SECRET_KEY",
    "CAPSYNC_ENCRYPTION_KEYS",
    "EMAIL_BACKEND",
    "EMAIL_BACKEND_CONSOLE_OK",
    "BEHIND_HTTPS_PROXY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
}


def _start(code: str = "import django; django.setup()", **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    env.update(environment, DJANGO_SETTINGS_MODULE="capsync.settings")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def _production(**environment: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": GOOD_SECRET,
        "CAPSYNC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_BACKEND": SMTP,
        **environment,
    }


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

    result = _start(
        DEBUG="0",
        SECRET_KEY_FILE=str(secret_file),
        CAPSYNC_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EMAIL_BACKEND=SMTP,
    )

    assert result.returncode == 0, result.stderr


def test_debug_must_be_a_boolean():
    result = _start(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_refuses_the_env_example_placeholder_secret_key():
    result = _start(**_production(SECRET_KEY="change-me-to-50-random-characters"))

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_production_refuses_the_console_email_backend_and_says_why():
    result = _start(**_production(EMAIL_BACKEND=""))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "console email backend" in result.stderr
    assert "EMAIL_BACKEND_CONSOLE_OK=1" in result.stderr


def test_production_keeps_the_console_email_backend_when_the_operator_opts_in_by_name():
    result = _start(**_production(EMAIL_BACKEND="", EMAIL_BACKEND_CONSOLE_OK="1"))

    assert result.returncode == 0, result.stderr


def test_behind_an_https_proxy_production_redirects_to_https_and_sends_hsts():
    result = _start(PRINT_SECURITY_SETTINGS, **_production(BEHIND_HTTPS_PROXY="1"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", str(365 * 24 * 60 * 60), "True", "True"]


def test_without_a_proxy_there_is_no_https_redirect_to_loop_on_and_no_hsts():
    result = _start(PRINT_SECURITY_SETTINGS, **_production())

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "0"]


def test_the_operator_sets_hsts_and_the_redirect_explicitly():
    result = _start(
        PRINT_SECURITY_SETTINGS,
        **_production(
            BEHIND_HTTPS_PROXY="1", SECURE_HSTS_SECONDS="3600", SECURE_SSL_REDIRECT="0", SECURE_HSTS_PRELOAD="0"
        ),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "3600", "True", "False"]


def test_a_sync_interval_the_database_would_refuse_stops_startup():
    result = _start(XERO_SYNC_INTERVAL_SECONDS="20")

    assert result.returncode != 0
    assert "XERO_SYNC_INTERVAL_SECONDS must be at least 300" in result.stderr


PRINT_CACHE = (
    "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
)


def test_the_sign_in_throttle_is_per_process_unless_production_points_the_cache_at_redis():
    default = _start(PRINT_CACHE, **_production())
    shared = _start(PRINT_CACHE, **_production(CACHE_URL="rediscache://127.0.0.1:6379/1"))

    assert default.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache", default.stderr
    assert shared.stdout.strip() == "django.core.cache.backends.redis.RedisCache", shared.stderr
