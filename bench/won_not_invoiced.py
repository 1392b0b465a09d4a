"""The dashboard's "won, not yet invoiced" on the pages bench's database, with many won sales already invoiced.

`DATABASE_URL=<the pages-only bench database> python -m bench.won_not_invoiced` (after `python -m bench
--pages-only`, which leaves its database and member behind): adds WON_INVOICED won opportunities on the member's
team's customers, each fully invoiced by one paid invoice referenced `OPP-<id>` and won before the bench's own 200
uninvoiced ones (so the list, longest won first, has to pass over all of them), runs ANALYZE, then times
`opportunities.billing.won_not_invoiced` and prints its plan. Run it once per database: a second run adds nothing.
"""

import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import django

WON_INVOICED = 5000
RUNS = 5


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsync.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.pages import MEMBER_EMAIL
    from contacts.models import Contact
    from invoices.models import Invoice, Organisation
    from opportunities.billing import won_not_invoiced
    from opportunities.models import Milestone, Opportunity

    member = User.objects.get(email=MEMBER_EMAIL)
    team_id = member.teams.values_list("pk", flat=True).first()
    if not Opportunity.objects.filter(name__startswith="Invoiced won").exists():
        rng = random.Random(16)
        customers = list(Contact.objects.filter(team_id=team_id).values_list("pk", flat=True)[:20000])
        won = Opportunity.objects.bulk_create(
            Opportunity(
                name=f"Invoiced won {index}",
                contact_id=rng.choice(customers),
                team_id=team_id,
                milestone=Milestone.objects.order_by("position").last(),
                value=Decimal(500),
                currency_code="GBP",
                probability=100,
                outcome=Opportunity.Outcome.WON,
                closed_on=date(2020, 1, 1) + timedelta(days=index % 1500),
            )
            for index in range(WON_INVOICED)
        )
        now = datetime.now(UTC)
        books = Organisation.objects.order_by("pk").first()
        Invoice.objects.bulk_create(
            Invoice(
                organisation=books,
                xero_id=str(uuid.uuid4()),
                contact_id=deal.contact_id,
                xero_contact_id="bench",
                kind=Invoice.Kind.INVOICE,
                type=Invoice.Type.ACCREC,
                status=Invoice.Status.PAID,
                number=f"WON-{deal.pk}",
                reference=f"OPP-{deal.pk}",
                currency_code="GBP",
                sub_total=deal.value,
                total_tax=0,
                total=deal.value,
                amount_due=0,
                amount_paid=deal.value,
                amount_credited=0,
                remaining_credit=0,
                xero_updated_at=now,
                synced_at=now,
            )
            for deal in won
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        listed = won_not_invoiced(user=member, limit=10)
        seconds.append(time.perf_counter() - started)
    print(f"won_not_invoiced: {len(listed)} listed; {', '.join(f'{1000 * s:.0f} ms' for s in seconds)}")
    with CaptureQueriesContext(connection) as captured:
        won_not_invoiced(user=member, limit=10)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
