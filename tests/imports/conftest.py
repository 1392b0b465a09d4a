from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imports import selectors, services
from imports.models import Import

HERE = Path(__file__).parent
NOW = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def upload(member, team_a) -> Callable[..., Import]:
    """Upload a file (a fixture's name, or CSV text) as the team A member; `mapping` replaces the guessed one."""

    def make(
        file: str,
        *,
        mapping: list[str] | None = None,
        kind: str = "",
        default_kind: str = "person",
        user=None,
        team=None,
    ) -> Import:
        data = (HERE / file).read_bytes() if file.endswith(".csv") else file.encode()
        import_ = services.import_create(
            user_id=(user or member).pk, team_id=(team or team_a).pk, filename="upload.csv", data=data, kind=kind
        )
        if mapping is not None:
            import_ = services.import_map(
                import_id=import_.pk, kind=import_.kind, default_kind=default_kind, mapping=mapping
            )
        return import_

    return make


def run(import_: Import) -> Import:
    """Queue and run an import in this process (what the Celery task does)."""
    services.import_queue(import_id=import_.pk)
    return services.import_run(import_id=import_.pk, clock=clock)


def plans_by_row(import_: Import) -> dict:
    return {plan.row: plan for plan in selectors.import_plans(import_=import_)}
