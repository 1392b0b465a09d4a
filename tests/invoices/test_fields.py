"""Xero ids in the invoice mirror are compared byte by byte on PostgreSQL (invoices.fields.XeroIdField), and
still match the same ids in other tables, whose columns keep the database's own collation."""

import pytest
from django.db import connection

from tests.factories import InvoiceFactory, LedgerOrganisationFactory

pytestmark = pytest.mark.django_db


def test_the_mirrors_xero_id_columns_take_the_c_collation():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('invoices_invoice', 'invoices_payment') "
            "AND column_name IN ('xero_id', 'xero_contact_id') "
            "ORDER BY table_name, column_name"
        )
        columns = cursor.fetchall()

    assert columns == [
        ("invoices_invoice", "xero_contact_id", "C"),
        ("invoices_invoice", "xero_id", "C"),
        ("invoices_payment", "xero_id", "C"),
    ]


def test_an_id_still_matches_the_same_id_in_a_column_of_the_databases_collation():
    organisation = LedgerOrganisationFactory()
    invoice = InvoiceFactory(organisation=organisation, xero_contact_id="0a1b2c3d-0000-4000-8000-00000000abcd")
    InvoiceFactory(organisation=organisation)

    # A column of the database's collation, as the integration's Xero contact ids are.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE other_ids (xero_contact_id varchar(64))")
        cursor.execute("INSERT INTO other_ids VALUES (%s)", [invoice.xero_contact_id])
        cursor.execute(
            "SELECT i.id FROM invoices_invoice i JOIN other_ids other ON other.xero_contact_id = i.xero_contact_id"
        )
        found = [row[0] for row in cursor.fetchall()]

    assert found == [invoice.pk]
