"""`python -m bench.imports [--rows 10000] [--sqlite] [--no-write]`: the CSV import benchmark (issue 15).

Recreates a database (PostgreSQL `capsync_bench_imports`, or a fresh SQLite file with --sqlite, as `make demo`
uses), generates a Capsule-style contacts export of N rows (a quarter organisations, the rest people who belong
to them, each with labelled emails, phones, an address and tags), then times, in this process, what the worker
does: the upload (imports.services.import_create), the preview (imports.selectors.import_preview), the first run
(imports.services.import_run: everything created) and a rerun of the same import (everything matched, nothing
created). Prints rows per second and total time, and rewrites this backend's block of docs/BENCHMARKS.md
(unless --no-write). The target is under a minute for 10,000 rows; nothing asserts it.
"""

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/capsync_bench_imports"
SQLITE_PATH = ROOT / "var" / "bench-imports.sqlite3"
HEADER = [
    "Type",
    "Name",
    "Title",
    "First Name",
    "Last Name",
    "Job Title",
    "Organisation",
    "Email (Work)",
    "Email (Home)",
    "Phone (Work)",
    "Phone (Mobile)",
    "Street Address",
    "City",
    "State",
    "Zip",
    "Country",
    "Tags",
    "Owner",
    "Team",
    "About",
]
BEGIN, END = "<!-- bench.imports {backend} begin -->", "<!-- bench.imports {backend} end -->"


def export_csv(rows: int) -> bytes:
    """A Capsule-style export: organisation rows first (every fourth row), then their people."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    organisations = max(rows // 4, 1)
    for n in range(organisations):
        writer.writerow(
            [
                "Organisation",
                f"Company {n} Ltd",
                "",
                "",
                "",
                "",
                "",
                f"hello@company{n}.example",
                "",
                f"020 7946 {n:04d}",
                "",
                f"{n} High Street",
                "Bath",
                "Somerset",
                "BA1 1AA",
                "United Kingdom",
                "Customer, Bench",
                "bench@example.com",
                "",
                "Made by bench.imports",
            ]
        )
    for n in range(rows - organisations):
        writer.writerow(
            [
                "Person",
                "",
                "Ms",
                f"Person{n}",
                "Example",
                "Buyer",
                f"Company {n % organisations} Ltd",
                f"person{n}@company.example",
                f"person{n}@home.example",
                "",
                f"07700 {n:06d}",
                "",
                "",
                "",
                "",
                "",
                "Lead",
                "",
                "",
                "",
            ]
        )
    return buffer.getvalue().encode()


def database_prepare(*, sqlite: bool) -> str:
    if sqlite:
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        SQLITE_PATH.unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg
    from psycopg import sql

    name = urlsplit(POSTGRES_URL).path.lstrip("/")
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return POSTGRES_URL


def measure(*, rows: int) -> dict[str, float]:
    from django.utils import timezone

    from accounts.models import Team, User
    from contacts.models import Contact
    from imports import selectors, services

    team = Team.objects.create(name="Bench")
    user = User.objects.create_user(email="bench@example.com", password=None)
    team.members.add(user)
    data = export_csv(rows)
    figures: dict[str, float] = {}
    started = time.perf_counter()
    import_ = services.import_create(user_id=user.pk, team_id=team.pk, filename="bench.csv", data=data)
    figures["upload"] = time.perf_counter() - started
    started = time.perf_counter()
    preview = selectors.import_preview(import_=import_)
    figures["preview"] = time.perf_counter() - started
    assert preview.to_create == rows, preview
    for run in ("first", "rerun"):
        services.import_queue(import_id=import_.pk)
        started = time.perf_counter()
        finished = services.import_run(import_id=import_.pk, clock=timezone.now)
        figures[run] = time.perf_counter() - started
        print(
            f"{run}: created {finished.created_count}, updated {finished.updated_count}, "
            f"unchanged {finished.unchanged_count}, skipped {finished.skipped_count}",
            file=sys.stderr,
        )
    assert Contact.objects.count() == rows, "the rerun must create nothing"
    return figures


def block(*, rows: int, backend: str, figures: dict[str, float]) -> str:
    total = figures["upload"] + figures["preview"] + figures["first"]
    lines = [
        f"{rows:,} rows on {backend}, measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):",
        "",
        "| Step | Seconds | Rows/s |",
        "|---|---:|---:|",
        *(
            f"| {name} | {figures[key]:.2f} | {rows / figures[key]:,.0f} |"
            for key, name in (
                ("upload", "Upload (decode, read, map)"),
                ("preview", "Preview (plan every row)"),
                ("first", "First run (all created)"),
                ("rerun", "Rerun (all matched, none created)"),
            )
        ),
        f"| **Upload + preview + first run** | **{total:.2f}** | **{rows / total:,.0f}** |",
    ]
    return "\n".join(lines)


def docs_write(*, backend: str, text: str) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    document = path.read_text()
    begin, end = BEGIN.format(backend=backend), END.format(backend=backend)
    if begin in document:
        head, rest = document.split(begin, 1)
        document = head + begin + "\n" + text + "\n" + end + rest.split(end, 1)[1]
    else:
        document += f"\n{begin}\n{text}\n{end}\n"
    path.write_text(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="SQLite, as `make demo` runs")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    arguments = parser.parse_args()
    os.environ["DATABASE_URL"] = database_prepare(sqlite=arguments.sqlite)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsync.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    backend = "SQLite" if arguments.sqlite else "PostgreSQL"
    text = block(rows=arguments.rows, backend=backend, figures=measure(rows=arguments.rows))
    print(text)
    if not arguments.no_write:
        docs_write(backend=backend, text=text)


if __name__ == "__main__":
    main()
