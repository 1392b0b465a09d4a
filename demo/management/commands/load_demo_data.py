from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import services as demo


class Command(BaseCommand):
    help = "Load the demo teams, users, contacts and pipeline (safe to run again: nothing is duplicated)."

    def handle(self, *args: object, **options: object) -> None:
        counts = demo.demo_data_load(today=timezone.localdate())
        self.stdout.write(
            f"Demo data ready: {counts.users} users, {counts.teams} teams, {counts.contacts} people and "
            f"organisations, {counts.opportunities} opportunities."
        )
        self.stdout.write(f"Sign in as {demo.DEMO_ADMIN_EMAIL} / {demo.DEMO_PASSWORD} (admin).")
