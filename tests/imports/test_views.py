import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from imports.models import Import
from tests.factories import UserFactory
from tests.imports.conftest import HERE, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    """Tasks run in this process when enqueued (the demo's worker, without a worker)."""
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = False


def _csv(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HERE / name).read_bytes(), content_type="text/csv")


def test_the_contact_list_links_to_the_import(member_client):
    response = member_client.get(reverse("contacts:list"))

    assert f'href="{reverse("imports:new")}"' in response.text
    assert "Import CSV" in response.text


def test_capsules_export_goes_from_upload_through_mapping_and_preview_to_its_report(
    member_client, team_a, eager_tasks, django_capture_on_commit_callbacks
):
    uploaded = member_client.post(
        reverse("imports:new"), {"file": _csv("capsule_contacts_export.csv"), "team": team_a.pk, "kind": ""}
    )
    import_ = Import.objects.get()
    mapping_page = member_client.get(uploaded.url)
    mapped = member_client.post(
        uploaded.url,
        {
            "kind": "contacts",
            "default_kind": "person",
            **{f"column_{index}": key for index, key in enumerate(import_.mapping)},
        },
    )
    preview = member_client.get(mapped.url)
    with django_capture_on_commit_callbacks(execute=True):
        started = member_client.post(reverse("imports:start", args=[import_.pk]))
    report = member_client.get(started.url)

    assert uploaded.url == reverse("imports:mapping", args=[import_.pk])
    assert '<option value="email:home" selected>' in mapping_page.text
    assert mapped.url == reverse("imports:preview", args=[import_.pk])
    assert "<strong>4</strong> to create" in preview.text
    assert started.url == reverse("imports:detail", args=[import_.pk])
    assert "<strong>4</strong> created" in report.text
    assert "Oliver Brown" in report.text
    assert Contact.objects.filter(name="Oliver Brown").exists()


def test_an_unreadable_upload_is_refused_with_why(member_client, team_a):
    response = member_client.post(
        reverse("imports:new"), {"file": SimpleUploadedFile("photo.csv", b"\x00\x01\x02PNG"), "team": team_a.pk}
    )

    assert response.status_code == 200
    assert "This is not a CSV file" in response.text
    assert not Import.objects.exists()


def test_the_mapping_page_refuses_a_mapping_without_a_name(member_client, upload):
    import_ = upload("Name,Email\nAda,ada@example.com\n")

    response = member_client.post(
        reverse("imports:mapping", args=[import_.pk]),
        {"kind": "contacts", "default_kind": "person", "column_0": "", "column_1": "email:work"},
    )

    assert response.status_code == 200
    assert "Map at least one column to a name." in response.text
    assert Import.objects.get().mapping == ["name", "email:work"]


def test_the_preview_lists_each_rows_problem(member_client, upload):
    import_ = upload("Name,Email\n,a@example.com\nAda,not-an-email\n")

    response = member_client.get(reverse("imports:preview", args=[import_.pk]))

    assert "missing name" in response.text
    assert "bad email “not-an-email”" in response.text
    assert "<strong>2</strong> to skip" in response.text


def test_the_progress_partial_polls_while_queued_and_stops_with_the_report_when_done(member_client, upload):
    import_ = upload("capsule_contacts_export.csv")
    url = reverse("imports:detail", args=[import_.pk])
    Import.objects.filter(pk=import_.pk).update(status="queued")
    polling = member_client.get(url, headers={"HX-Request": "true"})
    Import.objects.filter(pk=import_.pk).update(status="mapping")

    run(import_)
    stopped = member_client.get(url, headers={"HX-Request": "true"})

    assert polling.status_code == 200
    assert 'hx-trigger="every 1s"' in polling.text
    assert stopped.status_code == 286  # django_htmx's HttpResponseStopPolling
    assert 'hx-trigger="every 1s"' not in stopped.text
    assert "<strong>4</strong> created" in stopped.text


def test_the_skipped_rows_download_as_csv_with_why(member_client, upload):
    import_ = run(upload("Name,Email\nAda,ada@example.com\nBob,bob-at-example\n"))

    response = member_client.get(reverse("imports:skipped", args=[import_.pk]))

    assert response["Content-Type"] == "text/csv"
    assert response.content.decode().splitlines() == [
        "Row,Problem,Name,Email",
        "3,bad email “bob-at-example”,Bob,bob-at-example",
    ]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("mapping", "get"),
        ("mapping", "post"),
        ("preview", "get"),
        ("start", "post"),
        ("detail", "get"),
        ("skipped", "get"),
    ],
)
def test_another_teams_user_gets_404_on_every_import_url(client, upload, team_b, name, method):
    import_ = upload("capsule_contacts_export.csv")
    client.force_login(UserFactory(teams=[team_b]))

    response = getattr(client, method)(reverse(f"imports:{name}", args=[import_.pk]))

    assert response.status_code == 404
    assert Import.objects.get().status == "mapping"


def test_another_teams_imports_are_not_listed(client, upload, team_b):
    upload("capsule_contacts_export.csv")
    client.force_login(UserFactory(teams=[team_b]))

    response = client.get(reverse("imports:new"))

    assert "upload.csv" not in response.text


def test_starting_an_import_needs_the_csrf_token(member, upload):
    import_ = upload("capsule_contacts_export.csv")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    response = browser.post(reverse("imports:start", args=[import_.pk]))

    assert response.status_code == 403
    assert Import.objects.get().status == "mapping"


def test_an_oversized_upload_is_refused_before_it_is_read(member_client, team_a, monkeypatch):
    monkeypatch.setattr("imports.forms.MAX_BYTES", 10)

    response = member_client.post(
        reverse("imports:new"), {"file": SimpleUploadedFile("big.csv", b"Name\nAda Lovelace\n"), "team": team_a.pk}
    )

    assert "larger than" in response.text
    assert not Import.objects.exists()
