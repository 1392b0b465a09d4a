from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Prefetch, QuerySet

from accounts.models import User
from accounts.selectors import teams_visible_to
from invoices.overdue import overdue_filter
from opportunities.models import Milestone, Opportunity


def opportunities_visible_to(*, user: User) -> QuerySet[Opportunity]:
    """Every opportunity the user may see: all for admins, otherwise those of the user's teams."""
    opportunities = Opportunity.objects.all()
    if user.is_admin:
        return opportunities
    return opportunities.filter(team__in=teams_visible_to(user=user))


@dataclass(frozen=True)
class PipelineColumn:
    milestone: Milestone
    opportunities: list[Opportunity]


def pipeline(*, user: User, today: date) -> list[PipelineColumn]:
    """The open opportunities the user may see, grouped by milestone in pipeline order.

    Each carries `overdue_invoices`: how many authorised sales invoices its contact has with money due before
    `today` (for the card's overdue badge).
    """
    open_opportunities = (
        opportunities_visible_to(user=user)
        .filter(outcome=Opportunity.Outcome.OPEN)
        .select_related("contact", "owner")
        .annotate(overdue_invoices=Count(
            "contact__invoices", filter=overdue_filter(today=today, prefix="contact__invoices__")
        ))
        .order_by("expected_close_date", "id")
    )
    milestones = Milestone.objects.prefetch_related(
        Prefetch("opportunities", queryset=open_opportunities, to_attr="visible_open_opportunities")
    )
    return [PipelineColumn(milestone=m, opportunities=m.visible_open_opportunities) for m in milestones]


def opportunity_detail(*, user: User, opportunity_id: int) -> Opportunity:
    """One visible opportunity. Raises Opportunity.DoesNotExist when not visible."""
    return (
        opportunities_visible_to(user=user)
        .select_related("contact", "owner", "milestone", "team")
        .get(pk=opportunity_id)
    )


def opportunities_of_contact(*, user: User, contact_id: int) -> QuerySet[Opportunity]:
    """The visible opportunities of one contact, open ones first."""
    return (
        opportunities_visible_to(user=user)
        .filter(contact_id=contact_id)
        .select_related("milestone", "owner")
        .order_by(F("closed_on").asc(nulls_first=True), "expected_close_date", "id")
    )
