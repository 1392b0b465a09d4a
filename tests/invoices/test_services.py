import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db import connection as db_connection

from contacts.models import Contact
from invoices import copy_upsert, services
from invoices.models import CreditAllocation, Invoice, Payment
from tests.factories import (
    AllocationDataFactory,
    InvoiceDataFactory,
    InvoiceFactory,
    OrganisationFactory,
    PaymentDataFactory,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST_EDIT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # the factories' xero_updated_at
SECOND_EDIT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
XERO_CONTACT = "c0000000-0000-4000-8000-000000000001"


# Which upsert path `_upsert` takes: every test of this module runs on PostgreSQL's COPY path and on the portable
# path the demo's SQLite takes (set by the autouse fixture below).
_use_copy = None


@pytest.fixture(autouse=True, params=[True, False], ids=["copy", "portable"])
def upsert_path(request, monkeypatch):
    if request.param and not copy_upsert.available():
        pytest.skip("the COPY path needs PostgreSQL")
    monkeypatch.setattr(sys.modules[__name__], "_use_copy", request.param)
    return request.param


def _upsert(connection, items, *, contacts=None, now=NOW):
    return services.invoices_upsert(
        organisation_id=connection.organisation_id,
        items=items,
        contact_ids_by_xero_id=contacts or {},
        now=now,
        use_copy=_use_copy,
    )


def _stored(connection):
    return list(
        Invoice.objects.filter(organisation=connection.organisation)
        .order_by("xero_id")
        .values("xero_id", "status", "amount_due", "xero_updated_at", "contact_id")
    )


@pytest.mark.django_db
def test_upsert_creates_one_row_per_xero_record(uk_org):
    items = InvoiceDataFactory.build_batch(3)

    result = _upsert(uk_org, items)

    assert (result.created, result.updated, result.skipped_stale) == (3, 0, 0)
    assert Invoice.objects.filter(organisation=uk_org.organisation).count() == 3


@pytest.mark.django_db
def test_upsert_stores_every_field(uk_org):
    item = InvoiceDataFactory.build(
        currency_code="USD",
        currency_rate=Decimal("1.234567"),
        reference="PO 7",
        fully_paid_on=date(2026, 3, 9),
        status="PAID",
        amount_paid=Decimal("100.00"),
    )

    _upsert(uk_org, [item])

    stored = Invoice.objects.get(organisation=uk_org.organisation, xero_id=item.xero_id)
    assert (stored.currency_code, stored.currency_rate, stored.reference, stored.fully_paid_on) == (
        "USD",
        Decimal("1.234567"),
        "PO 7",
        date(2026, 3, 9),
    )
    assert (stored.amount_due, stored.synced_at, stored.xero_updated_at) == (Decimal("0.00"), NOW, FIRST_EDIT)


@pytest.mark.django_db
def test_upserting_the_same_records_twice_leaves_the_same_rows(uk_org):
    items = [InvoiceDataFactory.build(payments=(PaymentDataFactory.build(),)) for _ in range(3)]
    _upsert(uk_org, items)
    first = (_stored(uk_org), list(Payment.objects.values_list("invoice__xero_id", "xero_id", "amount")))

    result = _upsert(uk_org, items)

    assert (result.created, result.updated, result.skipped_stale) == (0, 3, 0)
    assert (_stored(uk_org), list(Payment.objects.values_list("invoice__xero_id", "xero_id", "amount"))) == first


@pytest.mark.django_db
def test_a_call_with_new_and_stored_records_creates_the_new_ones_and_updates_the_stored_ones(uk_org):
    stored = [InvoiceDataFactory.build(payments=(PaymentDataFactory.build(),)) for _ in range(2)]
    _upsert(uk_org, stored)
    new = [InvoiceDataFactory.build(payments=(PaymentDataFactory.build(),)) for _ in range(3)]
    changed = [replace(item, status="PAID", xero_updated_at=SECOND_EDIT) for item in stored]

    result = _upsert(uk_org, [new[0], changed[0], new[1], changed[1], new[2]])

    assert (result.created, result.updated, result.skipped_stale) == (3, 2, 0)
    assert {row["xero_id"]: row["status"] for row in _stored(uk_org)} == {
        **{item.xero_id: "AUTHORISED" for item in new},
        **{item.xero_id: "PAID" for item in stored},
    }
    assert sorted(Payment.objects.values_list("invoice__xero_id", "xero_id")) == sorted(
        (item.xero_id, item.payments[0].xero_id) for item in new + changed
    )


def _store_and_hold_until_a_writer_waits(connection, items, *, stored: threading.Event) -> None:
    """Store the items in a transaction that commits only once another session waits for one of its rows."""
    try:
        with transaction.atomic():
            _upsert(connection, items)
            stored.set()
            deadline = time.monotonic() + 30
            with db_connection.cursor() as cursor:
                waiting = 0
                while not waiting and time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    (waiting,) = cursor.fetchone()
    finally:
        db_connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_new_record_another_writer_stores_first_is_updated_instead(uk_org, upsert_path):
    if not upsert_path:
        pytest.skip("the portable path counts such a record as created (it was not stored when it looked)")
    theirs = InvoiceDataFactory.build(payments=(PaymentDataFactory.build(),))
    ours = replace(theirs, status="PAID", payments=(PaymentDataFactory.build(),), xero_updated_at=SECOND_EDIT)
    stored = threading.Event()
    other = threading.Thread(
        target=_store_and_hold_until_a_writer_waits, args=(uk_org, [theirs]), kwargs={"stored": stored}
    )
    other.start()
    assert stored.wait(30)

    result = _upsert(uk_org, [ours])

    other.join(30)
    assert (result.created, result.updated, result.skipped_stale) == (0, 1, 0)
    assert [(row["xero_id"], row["status"]) for row in _stored(uk_org)] == [(ours.xero_id, "PAID")]
    assert list(Payment.objects.values_list("xero_id", flat=True)) == [ours.payments[0].xero_id]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("durable", "setting"), [(True, "on"), (False, "off")])
def test_a_store_that_need_not_be_durable_commits_without_waiting_for_the_disk(uk_org, durable, setting):
    if db_connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")

    with transaction.atomic():
        services.invoices_upsert(
            organisation_id=uk_org.organisation_id,
            items=[InvoiceDataFactory.build()],
            contact_ids_by_xero_id={},
            now=NOW,
            use_copy=_use_copy,
            durable=durable,
        )
        with db_connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            (in_transaction,) = cursor.fetchone()

    assert in_transaction == setting
    with db_connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


@pytest.mark.django_db
def test_a_record_older_than_the_stored_one_is_skipped(uk_org):
    newer = InvoiceDataFactory.build(status="PAID", amount_paid=Decimal("100.00"), xero_updated_at=SECOND_EDIT)
    older = InvoiceDataFactory.build(xero_id=newer.xero_id, status="AUTHORISED", xero_updated_at=FIRST_EDIT)
    _upsert(uk_org, [newer])

    result = _upsert(uk_org, [older])

    assert (result.created, result.updated, result.skipped_stale) == (0, 0, 1)
    assert Invoice.objects.get(xero_id=newer.xero_id).status == "PAID"


@pytest.mark.django_db
def test_a_skipped_record_keeps_its_stored_payments(uk_org):
    payment = PaymentDataFactory.build(amount=Decimal("60.00"))
    newer = InvoiceDataFactory.build(payments=(payment,), amount_paid=Decimal("60.00"), xero_updated_at=SECOND_EDIT)
    older = InvoiceDataFactory.build(xero_id=newer.xero_id, payments=(), xero_updated_at=FIRST_EDIT)
    _upsert(uk_org, [newer])

    _upsert(uk_org, [older])

    assert list(Payment.objects.values_list("xero_id", flat=True)) == [payment.xero_id]


@pytest.mark.parametrize("arrival", ["old_then_new", "new_then_old"])
@pytest.mark.django_db
def test_the_newest_version_wins_whatever_the_arrival_order(uk_org, arrival):
    old = InvoiceDataFactory.build(xero_id="inv-1", status="AUTHORISED", xero_updated_at=FIRST_EDIT)
    new = InvoiceDataFactory.build(xero_id="inv-1", status="VOIDED", xero_updated_at=SECOND_EDIT)
    calls = [[old], [new]] if arrival == "old_then_new" else [[new], [old]]

    for items in calls:
        _upsert(uk_org, items)

    assert Invoice.objects.get(xero_id="inv-1").status == "VOIDED"


@pytest.mark.parametrize("arrival", ["old_first", "new_first"])
@pytest.mark.django_db
def test_the_newest_version_wins_within_one_call(uk_org, arrival):
    old = InvoiceDataFactory.build(xero_id="inv-1", status="AUTHORISED", xero_updated_at=FIRST_EDIT)
    new = InvoiceDataFactory.build(xero_id="inv-1", status="VOIDED", xero_updated_at=SECOND_EDIT)

    result = _upsert(uk_org, [old, new] if arrival == "old_first" else [new, old])

    assert (result.created, result.skipped_stale) == (1, 1)
    assert Invoice.objects.get(xero_id="inv-1").status == "VOIDED"


@pytest.mark.django_db
def test_a_record_with_the_same_update_time_is_applied_again(uk_org):
    first = InvoiceDataFactory.build(xero_id="inv-1", reference="before")
    again = InvoiceDataFactory.build(xero_id="inv-1", reference="after", xero_updated_at=first.xero_updated_at)
    _upsert(uk_org, [first])

    result = _upsert(uk_org, [again])

    assert (result.updated, result.skipped_stale) == (1, 0)
    assert Invoice.objects.get(xero_id="inv-1").reference == "after"


@pytest.mark.django_db
def test_payments_are_replaced_by_the_newer_record(uk_org):
    first_payment, second_payment = PaymentDataFactory.build_batch(2)
    _upsert(uk_org, [InvoiceDataFactory.build(xero_id="inv-1", payments=(first_payment,))])
    newer = InvoiceDataFactory.build(xero_id="inv-1", payments=(second_payment,), xero_updated_at=SECOND_EDIT)

    _upsert(uk_org, [newer])

    assert list(Payment.objects.values_list("xero_id", flat=True)) == [second_payment.xero_id]


@pytest.mark.django_db
def test_credit_allocations_are_replaced_by_the_newer_record(uk_org):
    credit_note = InvoiceDataFactory.build(
        kind="credit_note", type="ACCRECCREDIT", allocations=(AllocationDataFactory.build(invoice_xero_id="inv-1"),)
    )
    _upsert(uk_org, [credit_note])
    second = AllocationDataFactory.build(invoice_xero_id="inv-2", amount=Decimal("12.00"))

    _upsert(uk_org, [replace(credit_note, allocations=(second,), xero_updated_at=SECOND_EDIT)])

    assert list(CreditAllocation.objects.values_list("invoice_xero_id", "amount")) == [("inv-2", Decimal("12.00"))]


@pytest.mark.django_db
def test_the_same_xero_id_in_two_organisations_makes_two_rows(uk_org, nz_org):
    item = InvoiceDataFactory.build(xero_id="inv-1")

    _upsert(uk_org, [item])
    _upsert(nz_org, [item])

    assert Invoice.objects.filter(xero_id="inv-1").count() == 2


@pytest.mark.django_db
def test_upsert_links_the_contact_mapped_to_the_xero_contact(uk_org):
    contact = OrganisationFactory()

    _upsert(uk_org, [InvoiceDataFactory.build(xero_contact_id=XERO_CONTACT)], contacts={XERO_CONTACT: contact.pk})

    assert Invoice.objects.get().contact == contact


@pytest.mark.django_db
def test_upsert_leaves_an_unlinked_xero_contacts_invoice_without_a_contact(uk_org):
    _upsert(uk_org, [InvoiceDataFactory.build(xero_contact_id="someone-else")], contacts={XERO_CONTACT: 1})

    invoice = Invoice.objects.get()
    assert (invoice.contact_id, invoice.xero_contact_id) == (None, "someone-else")


@pytest.mark.django_db
def test_upsert_reports_the_newest_update_time_it_stored(uk_org):
    stored_old = InvoiceDataFactory.build(xero_updated_at=FIRST_EDIT)
    stored_new = InvoiceDataFactory.build(xero_updated_at=SECOND_EDIT)
    _upsert(uk_org, [InvoiceDataFactory.build(xero_id="inv-1", xero_updated_at=SECOND_EDIT + timedelta(days=1))])
    stale = InvoiceDataFactory.build(xero_id="inv-1", xero_updated_at=SECOND_EDIT + timedelta(hours=1))

    result = _upsert(uk_org, [stored_old, stale, stored_new])

    assert result.newest_xero_updated_at == SECOND_EDIT


@pytest.mark.django_db
def test_upsert_of_nothing_does_nothing(uk_org):
    result = _upsert(uk_org, [])

    assert result == services.UpsertResult(created=0, updated=0, skipped_stale=0, newest_xero_updated_at=None)


@pytest.mark.django_db
def test_upsert_spans_several_batches(uk_org):
    items = [InvoiceDataFactory.build(payments=(PaymentDataFactory.build(),)) for _ in range(services.BATCH_SIZE + 5)]

    result = _upsert(uk_org, items)

    assert (result.created, Invoice.objects.count(), Payment.objects.count()) == (1005, 1005, 1005)


@pytest.mark.django_db
def test_upsert_uses_the_same_number_of_queries_for_one_or_a_thousand_records(
    uk_org, django_assert_num_queries, upsert_path
):
    # COPY, new rows: savepoint + temporary table made or emptied + COPY + upsert + 2 COPYs + release (the deletes
    # of replaced children come only with updated rows); portable: savepoint + lock + upsert + 2 deletes + 2
    # inserts + release
    queries = 7 if upsert_path else 8

    def upsert(count):
        items = [
            InvoiceDataFactory.build(
                payments=(PaymentDataFactory.build(),),
                allocations=(AllocationDataFactory.build(),),
                kind="credit_note",
                type="ACCRECCREDIT",
            )
            for _ in range(count)
        ]
        _upsert(uk_org, items)

    with django_assert_num_queries(queries):
        upsert(1)
    with django_assert_num_queries(queries):
        upsert(1000)


@pytest.mark.django_db
def test_a_record_whose_kind_contradicts_its_type_is_refused_and_nothing_is_stored(uk_org):
    good = InvoiceDataFactory.build()
    bad = InvoiceDataFactory.build(kind="credit_note", type="ACCREC")

    with pytest.raises(IntegrityError):
        _upsert(uk_org, [good, bad])

    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_link_contact_attaches_every_invoice_of_the_xero_contact(uk_org):
    contact = OrganisationFactory()
    _upsert(uk_org, InvoiceDataFactory.build_batch(2, xero_contact_id=XERO_CONTACT))
    _upsert(uk_org, [InvoiceDataFactory.build(xero_contact_id="another")])

    changed = services.invoices_link_contact(
        organisation_id=uk_org.organisation_id, xero_contact_id=XERO_CONTACT, contact_id=contact.pk
    )

    assert changed == 2
    assert sorted(Invoice.objects.values_list("xero_contact_id", "contact_id")) == [
        ("another", None),
        (XERO_CONTACT, contact.pk),
        (XERO_CONTACT, contact.pk),
    ]


@pytest.mark.django_db
def test_link_contact_only_touches_that_organisations_invoices(uk_org, nz_org):
    contact = OrganisationFactory()
    _upsert(nz_org, [InvoiceDataFactory.build(xero_contact_id=XERO_CONTACT)])

    changed = services.invoices_link_contact(
        organisation_id=uk_org.organisation_id, xero_contact_id=XERO_CONTACT, contact_id=contact.pk
    )

    assert changed == 0


@pytest.mark.django_db
def test_link_contact_with_none_detaches_the_invoices(uk_org):
    invoice = InvoiceFactory(connection=uk_org, xero_contact_id=XERO_CONTACT)

    services.invoices_link_contact(
        organisation_id=uk_org.organisation_id, xero_contact_id=XERO_CONTACT, contact_id=None
    )

    invoice.refresh_from_db()
    assert invoice.contact_id is None


@pytest.mark.django_db
def test_link_contact_to_a_missing_contact_is_refused(uk_org):
    with pytest.raises(Contact.DoesNotExist):
        services.invoices_link_contact(
            organisation_id=uk_org.organisation_id, xero_contact_id=XERO_CONTACT, contact_id=999_999
        )


@pytest.mark.django_db
def test_link_contacts_attaches_each_xero_contacts_invoices_to_its_contact(uk_org):
    alice, bob = OrganisationFactory(), OrganisationFactory()
    InvoiceFactory(connection=uk_org, xero_contact_id="xa", contact=None)
    InvoiceFactory(connection=uk_org, xero_contact_id="xb", contact=alice)
    InvoiceFactory(connection=uk_org, xero_contact_id="xc", contact=None)

    moved = services.invoices_link_contacts(
        organisation_id=uk_org.organisation_id, contact_ids_by_xero_id={"xa": alice.pk, "xb": bob.pk}
    )

    assert moved == 2
    assert sorted(Invoice.objects.values_list("xero_contact_id", "contact_id")) == [
        ("xa", alice.pk),
        ("xb", bob.pk),
        ("xc", None),
    ]


@pytest.mark.django_db
def test_link_contacts_counts_nothing_when_every_invoice_is_already_linked(uk_org):
    alice = OrganisationFactory()
    InvoiceFactory(connection=uk_org, xero_contact_id="xa", contact=alice)

    moved = services.invoices_link_contacts(
        organisation_id=uk_org.organisation_id, contact_ids_by_xero_id={"xa": alice.pk}
    )

    assert moved == 0


@pytest.mark.django_db
def test_link_contacts_moves_every_batch_and_only_that_organisations_invoices(uk_org, nz_org, upsert_path):
    if upsert_path:
        pytest.skip("the relink has one path, tested once")
    contacts = [OrganisationFactory() for _ in range(3)]
    mapping = {f"x{n:04d}": contacts[n % 3].pk for n in range(services.BATCH_SIZE + 5)}
    _upsert(uk_org, [InvoiceDataFactory.build(xero_contact_id=xero_id) for xero_id in mapping])
    _upsert(nz_org, [InvoiceDataFactory.build(xero_contact_id="x0000")])

    moved = services.invoices_link_contacts(organisation_id=uk_org.organisation_id, contact_ids_by_xero_id=mapping)
    again = services.invoices_link_contacts(organisation_id=uk_org.organisation_id, contact_ids_by_xero_id=mapping)

    assert (moved, again) == (services.BATCH_SIZE + 5, 0)
    assert (
        dict(Invoice.objects.filter(organisation=uk_org.organisation).values_list("xero_contact_id", "contact_id"))
        == mapping
    )
    assert Invoice.objects.get(organisation=nz_org.organisation).contact_id is None


def _everything_stored(organisation_id):
    invoices = list(
        Invoice.objects.filter(organisation_id=organisation_id)
        .order_by("xero_id")
        .values(
            *(
                field.attname
                for field in Invoice._meta.concrete_fields
                if field.attname not in {"id", "organisation_id"}
            )
        )
    )
    payments = list(
        Payment.objects.filter(invoice__organisation_id=organisation_id)
        .order_by("invoice__xero_id", "xero_id")
        .values_list("invoice__xero_id", "xero_id", "paid_on", "amount", "currency_rate", "status")
    )
    allocations = list(
        CreditAllocation.objects.filter(credit_note__organisation_id=organisation_id)
        .order_by("credit_note__xero_id", "invoice_xero_id")
        .values_list("credit_note__xero_id", "invoice_xero_id", "amount", "allocated_on")
    )
    return invoices, payments, allocations


@pytest.mark.django_db
def test_the_copy_path_and_the_portable_path_store_the_same_from_the_same_input(uk_org, nz_org, upsert_path):
    if not upsert_path:
        pytest.skip("one comparison is enough")
    contact = OrganisationFactory()
    first = [
        InvoiceDataFactory.build(xero_id="inv-1", payments=PaymentDataFactory.build_batch(2)),
        InvoiceDataFactory.build(
            xero_id="inv-2",
            xero_contact_id=XERO_CONTACT,
            currency_code="USD",
            currency_rate=Decimal("1.250000"),
            due_on=None,
            reference="PO 9",
        ),
        InvoiceDataFactory.build(
            xero_id="cn-1",
            kind="credit_note",
            type="ACCRECCREDIT",
            allocations=(AllocationDataFactory.build(invoice_xero_id="inv-1"),),
        ),
    ]
    second = [
        # newer: applied, its payments replaced; older: dropped; a second copy in one call: the newer one counts
        replace(
            first[0],
            status="PAID",
            amount_due=Decimal("0.00"),
            amount_paid=Decimal("100.00"),
            payments=(PaymentDataFactory.build(amount=Decimal("100.00")),),
            xero_updated_at=SECOND_EDIT,
        ),
        replace(first[1], status="VOIDED", xero_updated_at=FIRST_EDIT - timedelta(days=1)),
        replace(first[2], allocations=(), xero_updated_at=SECOND_EDIT),
        replace(
            first[2],
            allocations=(AllocationDataFactory.build(invoice_xero_id="inv-9"),),
            xero_updated_at=SECOND_EDIT + timedelta(seconds=1),
        ),
        InvoiceDataFactory.build(xero_id="inv-3"),
    ]
    results = {}
    for org, use_copy in ((uk_org, True), (nz_org, False)):
        results[use_copy] = [
            services.invoices_upsert(
                organisation_id=org.organisation_id,
                items=items,
                contact_ids_by_xero_id={XERO_CONTACT: contact.pk},
                now=NOW,
                use_copy=use_copy,
            )
            for items in (first, second)
        ]

    assert results[True] == results[False]
    assert [(r.created, r.updated, r.skipped_stale) for r in results[True]] == [(3, 0, 0), (1, 2, 2)]
    assert _everything_stored(uk_org.organisation_id) == _everything_stored(nz_org.organisation_id)
    invoices, payments, allocations = _everything_stored(uk_org.organisation_id)
    assert [(row["xero_id"], row["status"]) for row in invoices] == [
        ("cn-1", "AUTHORISED"),
        ("inv-1", "PAID"),
        ("inv-2", "AUTHORISED"),
        ("inv-3", "AUTHORISED"),
    ]
    assert [(xero_id, amount) for xero_id, _, _, amount, _, _ in payments] == [("inv-1", Decimal("100.00"))]
    assert [(note, invoice) for note, invoice, _, _ in allocations] == [("cn-1", "inv-9")]
