"""Writes to opportunities."""

from django.db import transaction

from accounts.models import User
from opportunities.models import Milestone, Opportunity
from opportunities.selectors import opportunities_visible_to


class OpportunityClosed(Exception):
    """A won or lost opportunity no longer moves through the pipeline."""


@transaction.atomic
def opportunity_move(*, opportunity_id: int, milestone_id: int, user: User) -> Opportunity:
    """Move one of the user's teams' open opportunities to another milestone, taking its probability.

    Raises Opportunity.DoesNotExist (not visible), Milestone.DoesNotExist, or OpportunityClosed.
    """
    opportunity = opportunities_visible_to(user=user).select_for_update().get(pk=opportunity_id)
    if not opportunity.is_open:
        raise OpportunityClosed(f"{opportunity.name} is {opportunity.get_outcome_display().lower()}; it stays put.")
    milestone = Milestone.objects.get(pk=milestone_id)
    opportunity.milestone = milestone
    opportunity.probability = milestone.probability
    opportunity.save(update_fields=["milestone", "probability", "updated_at"])
    return opportunity
