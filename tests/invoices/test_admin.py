import pytest
from django.urls import reverse

from tests.factories import InvoiceFactory, PaymentFactory


@pytest.mark.django_db
def test_admin_lists_invoices_and_finds_them_by_number(client, admin_user, uk_org):
    InvoiceFactory(connection=uk_org, number="INV-0042")
    InvoiceFactory(connection=uk_org, number="INV-0043")
    client.force_login(admin_user)

    response = client.get(reverse("admin:invoices_invoice_changelist"), {"q": "INV-0042"})

    assert response.status_code == 200
    assert (b"INV-0042" in response.content, b"INV-0043" in response.content) == (True, False)


@pytest.mark.django_db
def test_admin_shows_an_invoice_read_only(client, admin_user, uk_org):
    payment = PaymentFactory(invoice__connection=uk_org)
    client.force_login(admin_user)
    url = reverse("admin:invoices_invoice_change", args=[payment.invoice.pk])

    page = client.get(url)
    post = client.post(url, {"number": "changed"})

    assert page.status_code == 200
    assert payment.xero_id.encode() in page.content
    assert b'name="_save"' not in page.content
    assert post.status_code == 403
