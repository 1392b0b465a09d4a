"""What the contacts app announces, so other apps can react without the CRM importing them."""

from django.dispatch import Signal

# Sent with `contact_id` once a contact's details (name, job title, emails, phones, address) have been written.
# The sender's transaction may still be open: a receiver that starts work elsewhere defers it until commit.
contact_changed = Signal()
