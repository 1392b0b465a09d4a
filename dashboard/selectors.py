"""The dashboard's headline figures, read from the CRM apps. The Xero cards (sync health, matches to check) are the
integration's own, rendered by its `xero_dashboard` template tag: the dashboard never imports the integration."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_sees_money
from contacts.selectors import contacts_visible_to
from forecast.selectors import CashForecast, cash_forecast
from invoices import receivables as money_owed
from invoices.models import Organisation
from invoices.organisations import org_days
from invoices.receivables import OverdueAccount, Receivables
from opportunities.billing import won_not_invoiced
from opportunities.models import Opportunity
from opportunities.selectors import OverduePlan, opportunities_visible_to, plans_with_overdue_instalments

OVERDUE_ACCOUNTS_SHOWN = 10
OVERDUE_PLANS_SHOWN = 10
WON_NOT_INVOICED_SHOWN = 10


@dataclass(frozen=True)
class DashboardSummary:
    contact_count: int
    open_opportunity_count: int
    open_value_by_currency: list[dict]
    overdue_accounts: list[OverdueAccount]
    receivables: Receivables
    overdue_plans: list[OverduePlan]
    # Won opportunities whose value their invoices do not cover yet, each with `invoiced` and `to_invoice`.
    won_not_invoiced: list[Opportunity]
    forecast: CashForecast | None = None  # None for a user who may not see money
    money_shown: bool = True  # False: the user may not see money; receivables and the forecast are not read


def dashboard_summary(*, user: User, now: datetime) -> DashboardSummary:
    """Headline figures for the user's teams; money is totalled per currency, never across them. The pipeline's
    value is the CRM's and always shown; receivables (what is owed, overdue accounts and plans, won sales not yet
    invoiced) only to a user who may see money (`accounts.selectors.user_sees_money`), and for the others they
    are not even read."""
    open_opportunities = opportunities_visible_to(user=user).filter(outcome=Opportunity.Outcome.OPEN)
    by_currency = list(
        open_opportunities.values("currency_code")
        .annotate(value=Sum("value"), count=Count("id"))
        .order_by("currency_code")
    )
    crm = {
        "contact_count": contacts_visible_to(user=user).count(),
        "open_opportunity_count": sum(row["count"] for row in by_currency),
        "open_value_by_currency": by_currency,
    }
    if not user_sees_money(user=user):
        return DashboardSummary(
            **crm,
            overdue_accounts=[],
            receivables=Receivables(by_currency=(), by_organisation=()),
            overdue_plans=[],
            won_not_invoiced=[],
            money_shown=False,
        )
    orgs = org_days(Organisation.objects.all(), now=now)  # read once for both of the receivables' reads
    return DashboardSummary(
        **crm,
        overdue_accounts=money_owed.overdue_accounts(user=user, now=now, limit=OVERDUE_ACCOUNTS_SHOWN, orgs=orgs),
        receivables=money_owed.receivables(user=user, now=now, orgs=orgs),
        overdue_plans=plans_with_overdue_instalments(user=user, now=now)[:OVERDUE_PLANS_SHOWN],
        won_not_invoiced=won_not_invoiced(user=user, limit=WON_NOT_INVOICED_SHOWN),
        # The forecast's weeks start on the site's local date at `now` (its time zone is a setting, not the clock).
        forecast=cash_forecast(user=user, today=timezone.localdate(now)),
    )
