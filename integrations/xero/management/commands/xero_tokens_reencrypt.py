from django.core.management.base import BaseCommand, CommandError

from integrations.xero import auth


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored Xero token with the first key of CAPSYNC_ENCRYPTION_KEYS, so the keys after it can "
        "be removed (see docs/OPERATIONS.md, 'Rotating CAPSYNC_ENCRYPTION_KEYS')."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            count = auth.grants_reencrypt()
        except auth.TokenDecryptionError as exc:
            raise CommandError(str(exc)) from exc
        grants = f"{count} Xero grant" + ("" if count == 1 else "s")
        self.stdout.write(f"Re-encrypted the tokens of {grants} with the first key.")
