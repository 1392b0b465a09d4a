from django.core.management.base import BaseCommand, CommandError

from integrations.xero import client, runtime, selectors
from integrations.xero.models import SyncRun
from integrations.xero.sync import run as sync_run


class Command(BaseCommand):
    help = "Sync linked Xero organisations now, in the foreground, with progress and a one-line summary each."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--full", action="store_true", help="re-read everything, not only what changed")
        parser.add_argument("--connection", type=int, help="only this connection id (default: every connected one)")

    def handle(self, *args: object, full: bool, connection: int | None, **options: object) -> None:
        connection_ids = (
            [connection]
            if connection
            else [c.pk for c in selectors.connections_for_settings() if c.status == c.Status.CONNECTED]
        )
        if not connection_ids:
            raise CommandError("No connected Xero organisation: connect one in Settings > Integrations.")
        for connection_id in connection_ids:
            try:
                finished = sync_run.organisation_sync(
                    connection_id=connection_id,
                    kind=SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL,
                    clock=runtime.clock,
                    identity=client.identity_from_settings(),
                    sleep=runtime.sleep,
                    on_progress=self._show,
                )
            except sync_run.SyncNotConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write("")
            self.stdout.write(self._summary(finished))

    def _show(self, run: SyncRun) -> None:
        self.stdout.write(f"\r{run.stage:<32} {run.done:>8} records", ending="")
        self.stdout.flush()

    @staticmethod
    def _summary(run: SyncRun) -> str:
        counts = run.counts
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        return (
            f"{run.connection.name}: {run.get_outcome_display().lower()} - "
            f"{counts.get('contacts_created', 0)} contacts created, {counts.get('contacts_linked', 0)} linked, "
            f"{counts.get('contacts_read', 0)} read, {counts.get('conflicts', 0)} conflicts, "
            f"{counts.get('invoices', 0)} invoices and {counts.get('credit_notes', 0)} credit notes upserted, "
            f"{counts.get('errors', 0)} errors, {run.api_calls} API calls, {seconds:.1f} s"
            + (f" ({run.message})" if run.message else "")
        )
