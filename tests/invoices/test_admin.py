import pytest
from django.urls import reverse

from tests.factories import InvoiceFactory, PaymentFactory


@pytest.mark.django_db
def test_admin_lists_invoices_and_finds_them_by_number(admin_client, uk_org):
    InvoiceFactory(connection=uk_org, number="INV-0042")
    InvoiceFactory(connection=uk_org, number="INV-0043")
    client = admin_client  # signed in with two-factor authentication, as the admin site needs

    response = client.get(reverse("admin:invoices_invoice_changelist"), {"q": "INV-0042"})

    assert response.status_code == 200
    assert (b"INV-0042" in response.content, b"INV-0043" in response.content) == (True, False)


@pytest.mark.django_db
def test_admin_shows_an_invoice_read_only(admin_client, uk_org):
    payment = PaymentFactory(invoice__connection=uk_org)
    client = admin_client  # signed in with two-factor authentication, as the admin site needs
    url = reverse("admin:invoices_invoice_change", args=[payment.invoice.pk])

    page = client.get(url)
    post = client.post(url, {"number": "changed"})

    assert page.status_code == 200
    assert payment.xero_id.encode() in page.content
    assert b'name="_save"' not in page.content
    assert post.status_code == 403
