"""`manage.py check --deploy` is clean with the documented production environment, and every setting Capsync
reads from the environment is documented. Django runs in a fresh process, as a server would."""

import re
import subprocess
import sys

from tests import production

SETTINGS_FILE = production.REPO_ROOT / "capsync" / "settings.py"
_READ = re.compile(r"""env(?:\.\w+|_secret|_bool)\(\s*(?:f?)["']([A-Z][A-Z0-9_]*)["']""")


def _manage(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=production.REPO_ROOT,
        env=production.process_environment(environment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_the_documented_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", environment=production.documented_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_documented_environment_is_production():
    environment = production.documented_environment()

    assert environment["DEBUG"] == "0"
    assert environment["BEHIND_HTTPS_PROXY"] == "1"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    names = set(_READ.findall(SETTINGS_FILE.read_text()))
    example = production.ENV_EXAMPLE.read_text()
    readme = (production.REPO_ROOT / "README.md").read_text()

    assert {"DEBUG", "SECRET_KEY", "SECURE_HSTS_SECONDS", "EMAIL_BACKEND_CONSOLE_OK"} <= names
    assert sorted(name for name in names if name not in example) == []
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
