"""Writes for imports: upload, map, queue and run (the run is reached through imports.tasks.import_run)."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q

from accounts.models import User
from accounts.selectors import teams_visible_to
from imports import selectors, write
from imports.columns import CONTACTS, OPPORTUNITIES, SKIP, field_keys, kind_for_headers, mapping_for_headers
from imports.csvfile import decode, read_table
from imports.models import Import
from imports.plan import ORGANISATION, Catalogue, ContactPlan, RowPlan

logger = logging.getLogger(__name__)
BATCH_SIZE = 500
# A run whose worker has written nothing for this long is taken to be dead, and a redelivered task may resume it.
STALE_AFTER = timedelta(minutes=10)
REPORT_LIST_LIMIT = 200


class MappingInvalid(Exception):
    """The mapping names a field that does not exist, or gives one field to two columns; the message says which."""


class ImportNotEditable(Exception):
    """The import is queued or running: its mapping cannot change and it cannot be queued again."""


class ImportNotQueued(Exception):
    """There is nothing to run: the import is not queued (another worker has it, or it is finished)."""


class TeamNotAllowed(Exception):
    """The user may not import into that team."""


@transaction.atomic
def import_create(*, user_id: int, team_id: int, filename: str, data: bytes, kind: str = "") -> Import:
    """Store an uploaded file with the mapping its headers suggest (a Capsule export maps itself); `kind` is
    guessed from the headers when blank. Raises imports.csvfile.FileUnreadable for a file that cannot be read,
    TeamNotAllowed when the user may not see the team."""
    if not teams_visible_to(user=User.objects.get(pk=user_id)).filter(pk=team_id).exists():
        raise TeamNotAllowed("You can only import into your own teams.")
    content = decode(data)
    headers, _ = read_table(content)
    kind = kind or kind_for_headers(headers)
    return Import.objects.create(
        team_id=team_id,
        created_by_id=user_id,
        filename=filename[:255],
        content=content,
        kind=kind,
        headers=headers,
        mapping=mapping_for_headers(headers, kind=kind),
    )


@transaction.atomic
def import_map(*, import_id: int, kind: str, default_kind: str, mapping: list[str]) -> Import:
    """Set what each column fills. Raises MappingInvalid for an unknown field or one given to two columns, or
    a mapping that maps nothing; ImportNotEditable while the import is queued or running."""
    import_ = Import.objects.select_for_update().get(pk=import_id)
    if import_.status in (Import.Status.QUEUED, Import.Status.RUNNING):
        raise ImportNotEditable("This import is already running.")
    if kind not in (CONTACTS, OPPORTUNITIES) or default_kind not in ("person", ORGANISATION):
        raise MappingInvalid("Choose what the file holds.")
    if len(mapping) != len(import_.headers):
        raise MappingInvalid("Every column needs a choice.")
    if unknown := [key for key in mapping if key != SKIP and key not in field_keys(kind)]:
        raise MappingInvalid(f"Unknown field: {unknown[0]}.")
    used = [key for key in mapping if key != SKIP]
    if repeated := sorted({key for key in used if used.count(key) > 1}):
        raise MappingInvalid(f"Two columns are mapped to the same field ({', '.join(repeated)}).")
    if not {"name", "first_name", "last_name"} & set(used):
        raise MappingInvalid("Map at least one column to a name.")
    import_.kind, import_.default_kind, import_.mapping = kind, default_kind, mapping
    import_.status = Import.Status.MAPPING
    import_.save(update_fields=["kind", "default_kind", "mapping", "status"])
    return import_


@transaction.atomic
def import_kind_change(*, import_id: int, kind: str) -> Import:
    """Say what the file holds, mapping its columns afresh for that kind from their headers. Raises
    MappingInvalid for an unknown kind, ImportNotEditable while the import is queued or running."""
    import_ = Import.objects.select_for_update().get(pk=import_id)
    if import_.status in (Import.Status.QUEUED, Import.Status.RUNNING):
        raise ImportNotEditable("This import is already running.")
    if kind not in (CONTACTS, OPPORTUNITIES):
        raise MappingInvalid("Choose what the file holds.")
    import_.kind, import_.mapping = kind, mapping_for_headers(import_.headers, kind=kind)
    import_.save(update_fields=["kind", "mapping"])
    return import_


@transaction.atomic
def import_queue(*, import_id: int) -> Import:
    """Queue the import to run (again: a rerun updates what the first run created, and creates nothing twice).
    The caller enqueues imports.tasks.import_run on commit. Raises ImportNotEditable when it is already queued
    or running."""
    queued = (
        Import.objects.filter(pk=import_id)
        .exclude(status__in=[Import.Status.QUEUED, Import.Status.RUNNING])
        .update(status=Import.Status.QUEUED, error="")
    )
    if not queued:
        Import.objects.get(pk=import_id)
        raise ImportNotEditable("This import is already queued or running.")
    return Import.objects.get(pk=import_id)


def _claim(import_id: int, now: datetime) -> bool:
    """Take the import for this run: queued, or running with a worker silent for STALE_AFTER (a conditional
    update, so two workers cannot both have it)."""
    return bool(
        Import.objects.filter(pk=import_id)
        .filter(Q(status=Import.Status.QUEUED) | Q(status=Import.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER))
        .update(
            status=Import.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            processed_rows=0,
            created_count=0,
            updated_count=0,
            unchanged_count=0,
            skipped_count=0,
            report={},
        )
    )


def _batches(plans: list[RowPlan]) -> list[list[RowPlan]]:
    return [plans[start : start + BATCH_SIZE] for start in range(0, len(plans), BATCH_SIZE)]


def _progress(import_id: int, *, done: int, tally: write.Tally, now: datetime) -> None:
    Import.objects.filter(pk=import_id).update(
        processed_rows=done,
        created_count=len(tally.created),
        updated_count=len(tally.updated),
        unchanged_count=tally.unchanged,
        skipped_count=tally.skipped,
        heartbeat_at=now,
    )


def _report(plans: list[RowPlan], tally: write.Tally) -> dict:
    flagged = sorted((plan for plan in plans if plan.problems), key=lambda plan: plan.row)
    noted = sorted((plan for plan in plans if plan.notes and not plan.problems), key=lambda plan: plan.row)
    return {
        "skipped": [{"row": plan.row, "name": plan.name, "problems": plan.problems} for plan in flagged],
        "notes": [{"row": plan.row, "name": plan.name, "notes": plan.notes} for plan in noted][:REPORT_LIST_LIMIT],
        "created": sorted(tally.created)[:REPORT_LIST_LIMIT],
        "updated": sorted(tally.updated)[:REPORT_LIST_LIMIT],
        "organisations_added": tally.organisations_added[:REPORT_LIST_LIMIT],
        "organisations_added_count": len(tally.organisations_added),
    }


def import_run(*, import_id: int, clock: Callable[[], datetime]) -> Import:
    """Import every row of a queued import, BATCH_SIZE rows per transaction, counting progress as it goes, and
    store the report of what was created, updated, left unchanged or skipped (with why). Rows are planned
    against what Capsync holds when the run starts (imports.plan), so running it twice creates nothing twice.
    Raises ImportNotQueued when there is nothing to run; a database error marks the import failed (batches
    already written stay, and rerunning it carries on from them) and is raised again."""
    if not _claim(import_id, clock()):
        raise ImportNotQueued(f"Import {import_id} is not queued.")
    import_ = Import.objects.select_related("created_by").get(pk=import_id)
    catalogue = selectors.import_catalogue(import_=import_)
    plans = selectors.import_plans(import_=import_, catalogue=catalogue)
    Import.objects.filter(pk=import_id).update(total_rows=len(plans))
    tally = write.Tally()
    try:
        if import_.kind == OPPORTUNITIES:
            _run_batches(
                import_id,
                plans,
                tally,
                clock,
                lambda batch: write.opportunities_write(plans=batch, tally=tally, now=clock()),
            )
        else:
            _run_contacts(import_, plans, tally, clock, catalogue)
    except DatabaseError as exc:
        logger.exception("Unable to finish an import", extra={"import_id": import_id})
        Import.objects.filter(pk=import_id).update(
            status=Import.Status.FAILED,
            finished_at=clock(),
            error=f"The import stopped: {type(exc).__name__}. What was imported stays; run it again to finish.",
            report=_report(plans, tally),
        )
        raise
    Import.objects.filter(pk=import_id).update(
        status=Import.Status.DONE, finished_at=clock(), report=_report(plans, tally)
    )
    logger.info(
        "Import finished",
        extra={
            "import_id": import_id,
            "rows": len(plans),
            "rows_created": len(tally.created),
            "rows_updated": len(tally.updated),
            "rows_skipped": tally.skipped,
        },
    )
    return Import.objects.get(pk=import_id)


def _run_batches(
    import_id: int,
    plans: list,
    tally: write.Tally,
    clock: Callable[[], datetime],
    write_batch: Callable[[list], None],
    *,
    done: int = 0,
) -> int:
    for batch in _batches(plans):
        with transaction.atomic():
            write_batch(batch)
            done += len(batch)
            _progress(import_id, done=done, tally=tally, now=clock())
    return done


def _run_contacts(
    import_: Import, plans: list[ContactPlan], tally: write.Tally, clock: Callable[[], datetime], catalogue: Catalogue
) -> None:
    """Organisations first, then the organisations people name that do not exist yet, then people."""
    organisation_ids = {
        (team_id, key): pk for (team_id, kind, key), pk in catalogue.names.items() if kind == ORGANISATION
    }
    organisations = [plan for plan in plans if plan.kind == ORGANISATION]
    people = [plan for plan in plans if plan.kind != ORGANISATION]

    def contacts(batch: list[ContactPlan]) -> None:
        write.contacts_write(plans=batch, organisation_ids=organisation_ids, tally=tally, now=clock())

    done = _run_batches(import_.pk, organisations, tally, clock, contacts)
    with transaction.atomic():
        write.organisations_add(plans=people, organisation_ids=organisation_ids, tally=tally)
    _run_batches(import_.pk, people, tally, clock, contacts, done=done)
