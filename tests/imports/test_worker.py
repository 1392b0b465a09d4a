import pytest

from contacts.models import Contact
from imports import services, tasks
from imports.models import Import
from tests.factories import TeamFactory, UserFactory
from tests.imports.conftest import HERE

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_runs_a_queued_import_to_its_report(celery_worker_process):
    team = TeamFactory(name="Team A")
    user = UserFactory(email="member@example.com", teams=[team])
    import_ = services.import_create(
        user_id=user.pk,
        team_id=team.pk,
        filename="capsule.csv",
        data=(HERE / "capsule_contacts_export.csv").read_bytes(),
    )
    services.import_queue(import_id=import_.pk)

    tasks.import_run.delay(import_id=import_.pk).get(timeout=60)

    finished = Import.objects.get(pk=import_.pk)
    assert (finished.status, finished.processed_rows, finished.created_count) == ("done", 4, 4)
    assert Contact.objects.filter(team=team).count() == 5  # and Copperfield Books, for Amelia
