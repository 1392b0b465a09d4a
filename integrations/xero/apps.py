from django.apps import AppConfig

from contacts.signals import contact_changed


class XeroConfig(AppConfig):
    name = "integrations.xero"
    label = "xero"
    verbose_name = "Xero"

    def ready(self) -> None:
        # Imported here, Django's way: receivers reach the models, which cannot load before the app registry.
        from contacts.locks import lock_provider_register
        from integrations.xero import ownership, receivers

        contact_changed.connect(receivers.contact_changed, dispatch_uid="xero-contact-push")
        # Fields Xero owns (the admin's pick per organisation) are read-only on the contact form.
        lock_provider_register(ownership.contact_locks)
