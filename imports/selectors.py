"""Reads for imports: which imports a user may see, what Capsync already holds for rows to match, the preview."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Team, User
from accounts.selectors import teams_visible_to
from contacts.matching import email_key, name_key, phone_key
from contacts.models import Contact, EmailAddress, PhoneNumber
from imports.columns import FIELDS
from imports.csvfile import read_table
from imports.models import Import
from imports.plan import Catalogue, RowPlan, rows_plan
from opportunities.models import Milestone, Opportunity

PREVIEW_SAMPLE_ROWS = 20
PREVIEW_PROBLEM_ROWS = 200


def imports_visible_to(*, user: User) -> QuerySet[Import]:
    """The imports of the user's teams (all of them for admins), built on the one team rule."""
    return Import.objects.filter(team__in=teams_visible_to(user=user)).select_related("team", "created_by")


def import_get(*, user: User, import_id: int) -> Import:
    """One import the user may see. Raises Import.DoesNotExist otherwise."""
    return imports_visible_to(user=user).get(pk=import_id)


def _importer_teams(import_: Import) -> QuerySet[Team]:
    if import_.created_by is None:
        return Team.objects.filter(pk=import_.team_id)
    return teams_visible_to(user=import_.created_by)


def import_catalogue(*, import_: Import) -> Catalogue:
    """What the import's rows are matched against, in the teams its creator may see; a few queries, whatever
    the number of contacts (names are normalised here, in Python, as contacts.matching does)."""
    teams = dict(_importer_teams(import_).values_list("pk", "name"))
    members: dict[int, dict[str, int]] = {team_id: {} for team_id in teams}
    for team_id, user_id, email, first, last in Team.members.through.objects.filter(team_id__in=teams).values_list(
        "team_id", "user_id", "user__email", "user__first_name", "user__last_name"
    ):
        members[team_id][email.lower()] = user_id
        if full_name := f"{first} {last}".strip().lower():
            members[team_id].setdefault(full_name, user_id)
    contacts = list(
        Contact.objects.filter(team_id__in=teams).order_by("pk").values_list("pk", "team_id", "kind", "name")
    )
    team_of = {pk: team_id for pk, team_id, _, _ in contacts}
    names: dict[tuple[int, str, str], int] = {}
    for pk, team_id, kind, name in contacts:
        names.setdefault((team_id, kind, name_key(name)), pk)
    emails: dict[tuple[int, str], int] = {}
    for contact_id, address in (
        EmailAddress.objects.filter(contact__team_id__in=teams).order_by("pk").values_list("contact_id", "address")
    ):
        emails.setdefault((team_of[contact_id], email_key(address)), contact_id)
    phones: dict[tuple[int, str], int] = {}
    for contact_id, number in PhoneNumber.objects.filter(contact__team_id__in=teams).values_list(
        "contact_id", "number"
    ):
        if key := phone_key(number):
            phones.setdefault((team_of[contact_id], key), contact_id)
    milestones = list(Milestone.objects.order_by("position", "pk").values_list("pk", "name", "probability"))
    opportunities = {
        (team_id, contact_id, name_key(name)): pk
        for pk, team_id, contact_id, name in Opportunity.objects.filter(team_id__in=teams)
        .order_by("-pk")
        .values_list("pk", "team_id", "contact_id", "name")
    }
    return Catalogue(
        default_team_id=import_.team_id,
        teams={name.lower(): pk for pk, name in teams.items()},
        members=members,
        emails=emails,
        names=names,
        phones=phones,
        contact_names={pk: name for pk, _, _, name in contacts},
        milestones={name.lower(): (pk, probability) for pk, name, probability in milestones},
        first_milestone=(milestones[0][0], milestones[0][2]) if milestones else None,
        opportunities=opportunities,
        default_currency=Opportunity._meta.get_field("currency_code").default,
    )


def import_plans(*, import_: Import, catalogue: Catalogue | None = None) -> list[RowPlan]:
    """What importing each row of the file would do now (against `catalogue`, loaded when not given)."""
    _, rows = read_table(import_.content)
    return rows_plan(
        kind=import_.kind,
        rows=rows,
        mapping=import_.mapping,
        default_kind=import_.default_kind,
        catalogue=catalogue or import_catalogue(import_=import_),
    )


@dataclass(frozen=True)
class MappedColumn:
    header: str
    field: str  # the field's label, or "" when the column is not imported
    samples: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    """What the import would do, for the preview page: counts, the rows with problems or notes, a sample."""

    total: int
    to_create: int
    to_update: int
    to_skip: int
    flagged: list[RowPlan]  # rows with problems (skipped) or notes, in row order, at most PREVIEW_PROBLEM_ROWS
    flagged_total: int
    sample: list[RowPlan]
    columns: list[MappedColumn]


def import_preview(*, import_: Import) -> Preview:
    """The preview of an import's rows, planned as the run would plan them against what Capsync holds now."""
    plans = sorted(import_plans(import_=import_), key=lambda plan: plan.row)
    flagged = [plan for plan in plans if plan.problems or plan.notes]
    labels = {field.key: field.label for field in FIELDS[import_.kind]}
    _, rows = read_table(import_.content)
    columns = [
        MappedColumn(
            header=header,
            field=labels.get(key, ""),
            samples=tuple(cells[index] for _, cells in rows[:3] if cells[index]),
        )
        for index, (header, key) in enumerate(zip(import_.headers, import_.mapping, strict=False))
    ]
    actions = [plan.action for plan in plans]
    return Preview(
        total=len(plans),
        to_create=actions.count("create"),
        to_update=actions.count("update"),
        to_skip=actions.count("skip"),
        flagged=flagged[:PREVIEW_PROBLEM_ROWS],
        flagged_total=len(flagged),
        sample=plans[:PREVIEW_SAMPLE_ROWS],
        columns=columns,
    )


def column_samples(*, import_: Import, count: int = 3) -> list[tuple[int, str, tuple[str, ...]]]:
    """Each column's position, header and first few values, for the mapping page."""
    _, rows = read_table(import_.content)
    return [
        (index, header, tuple(cells[index] for _, cells in rows[:count] if cells[index]))
        for index, header in enumerate(import_.headers)
    ]


def skipped_rows_csv(*, import_: Import) -> Iterator[str]:
    """The skipped rows of a finished import as CSV lines: the file's own columns, plus the row number and why
    it was skipped, so they can be fixed and imported again."""
    reasons = {entry["row"]: "; ".join(entry["problems"]) for entry in import_.report.get("skipped", [])}
    header, rows = read_table(import_.content)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(["Row", "Problem", *header])
    for row, cells in rows:
        if row in reasons:
            yield line([str(row), reasons[row], *cells])
