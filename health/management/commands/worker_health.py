from socket import gethostname

from django.core.management.base import BaseCommand, CommandError, CommandParser

from health import probes


class Command(BaseCommand):
    help = (
        "Exit 0 when this host's Celery worker answers and consumes every given queue, 1 otherwise (the worker's "
        "health check in docker-compose.yml). A worker that answers ping but left the xero queue fails it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", default="celery,xero", help="comma-separated queues that must be consumed")
        parser.add_argument(
            "--node",
            default=f"celery@{gethostname()}",
            help="the worker's node name (default: celery@<this host>, a worker's own default)",
        )
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the worker's answer")

    def handle(self, *args: object, queues: str, node: str, timeout: float, **options: object) -> None:
        required = {queue.strip() for queue in queues.split(",") if queue.strip()}
        consumed = probes.worker_queues(node=node, timeout=timeout)
        if consumed is None:
            raise CommandError(f"{node} did not answer within {timeout:g} s.")
        missing = required - consumed
        if missing:
            raise CommandError(
                f"{node} does not consume {', '.join(sorted(missing))} (it consumes {', '.join(sorted(consumed))})."
            )
        self.stdout.write(f"{node} consumes {', '.join(sorted(required))}.")
