"""Xero quotes into the CRM's quote mirror, and what an accepted quote does to its opportunity.

Quotes are read in a sync only while an opportunity's quote can still change status (DRAFT, SENT, ACCEPTED), and
in the weekly full reconcile (which also brings quotes made in Xero for no opportunity): an idle incremental sync
stays at three calls. Xero's webhooks do not cover quotes.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from integrations.xero import schemas
from integrations.xero.models import XeroConnection, XeroContact
from integrations.xero.sync.invoices import organisation_id_of
from invoices import quotes as quote_mirror
from opportunities import services as opportunity_services
from opportunities.models import Milestone, Opportunity

logger = logging.getLogger(__name__)

RESOURCE = "Quotes"


@dataclass(frozen=True)
class QuotesApplied:
    written: int
    opportunities_moved: int


def quotes_wanted(*, connection_id: int, full: bool) -> bool:
    """Whether this run should read quotes: always in a full reconcile, otherwise only while an opportunity's
    quote is open."""
    return full or quote_mirror.quotes_open_exist(organisation_id=organisation_id_of(connection_id=connection_id))


def _quote_data(quote: schemas.XeroQuote) -> quote_mirror.QuoteData:
    return quote_mirror.QuoteData(
        xero_id=quote.quote_id, xero_contact_id=quote.contact_id, number=quote.number, reference=quote.reference,
        title=quote.title, status=str(quote.status), currency_code=quote.currency_code,
        total=quote.total if quote.total is not None else Decimal("0"), issued_on=quote.date,
        expires_on=quote.expiry_date, xero_updated_at=quote.updated_at,
    )


def quotes_apply(*, connection_id: int, quotes: list[schemas.XeroQuote], now: datetime) -> QuotesApplied:
    """Store one page of quotes (newer wins), then move the open opportunities of newly accepted quotes to the
    organisation's "accepted quote" milestone, when one is set."""
    links = dict(
        XeroContact.objects.filter(connection_id=connection_id, contact__isnull=False,
                                   xero_id__in={quote.contact_id for quote in quotes})
        .values_list("xero_id", "contact_id")
    ) if quotes else {}
    result = quote_mirror.quotes_upsert(
        organisation_id=organisation_id_of(connection_id=connection_id), items=[_quote_data(quote) for quote in quotes],
        contact_ids_by_xero_id=links, now=now,
    )
    opportunity_ids = sorted({opportunity_id for _, opportunity_id in result.accepted if opportunity_id})
    moved = _opportunities_move(connection_id=connection_id, opportunity_ids=opportunity_ids) if opportunity_ids else 0
    return QuotesApplied(written=result.created + result.updated, opportunities_moved=moved)


def _opportunities_move(*, connection_id: int, opportunity_ids: list[int]) -> int:
    """Move each open opportunity to the organisation's accepted-quote milestone, as the admin who connected it."""
    connection = XeroConnection.objects.select_related("connected_by").get(pk=connection_id)
    milestone_id = connection.accepted_quote_milestone_id
    if milestone_id is None:
        return 0
    if connection.connected_by is None:
        logger.warning("Accepted quotes cannot move opportunities: nobody is recorded as connecting Xero",
                       extra={"connection_id": connection_id, "opportunities": len(opportunity_ids)})
        return 0
    moved = 0
    for opportunity_id in opportunity_ids:
        try:
            opportunity_services.opportunity_move(
                opportunity_id=opportunity_id, milestone_id=milestone_id, user=connection.connected_by
            )
        except opportunity_services.OpportunityClosed:
            continue  # won or lost already: it stays where it is
        except (Opportunity.DoesNotExist, Milestone.DoesNotExist):
            logger.warning("An accepted quote's opportunity or milestone is gone",
                           extra={"connection_id": connection_id, "opportunity_id": opportunity_id})
            continue
        moved += 1
    logger.info("Accepted quotes moved opportunities", extra={"connection_id": connection_id, "moved": moved})
    return moved
