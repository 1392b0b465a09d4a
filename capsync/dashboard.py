from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Sum

from accounts.models import User
from contacts.selectors import contacts_visible_to
from integrations.xero import selectors as xero_selectors
from integrations.xero.selectors import ConnectionHealth
from invoices import receivables as money_owed
from invoices.receivables import OverdueAccount, Receivables
from opportunities.models import Opportunity
from opportunities.selectors import OverduePlan, opportunities_visible_to, plans_with_overdue_instalments

OVERDUE_ACCOUNTS_SHOWN = 10
OVERDUE_PLANS_SHOWN = 10


@dataclass(frozen=True)
class DashboardSummary:
    contact_count: int
    open_opportunity_count: int
    open_value_by_currency: list[dict]
    overdue_accounts: list[OverdueAccount]
    receivables: Receivables
    overdue_plans: list[OverduePlan]
    sync_health: list[ConnectionHealth]

    @property
    def open_conflicts(self) -> int:
        return sum(health.open_conflicts for health in self.sync_health)


def dashboard_summary(*, user: User, now: datetime) -> DashboardSummary:
    """Headline figures for the user's teams; money is totalled per currency, never across them."""
    open_opportunities = opportunities_visible_to(user=user).filter(outcome=Opportunity.Outcome.OPEN)
    by_currency = list(
        open_opportunities.values("currency_code").annotate(value=Sum("value"), count=Count("id")).order_by(
            "currency_code"
        )
    )
    return DashboardSummary(
        contact_count=contacts_visible_to(user=user).count(),
        open_opportunity_count=sum(row["count"] for row in by_currency),
        open_value_by_currency=by_currency,
        overdue_accounts=money_owed.overdue_accounts(user=user, now=now, limit=OVERDUE_ACCOUNTS_SHOWN),
        receivables=money_owed.receivables(user=user, now=now),
        sync_health=xero_selectors.sync_health(),
        overdue_plans=plans_with_overdue_instalments(user=user, now=now)[:OVERDUE_PLANS_SHOWN],
    )
