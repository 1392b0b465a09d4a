"""The reads of the invoice pages: an opportunity's invoices, the "Create invoice in Xero" form's starting point,
and the opportunity's line items with the organisation whose Xero Items the picker offers."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from integrations.xero.models import XeroConnection
from integrations.xero.selectors import QuoteFormPage, quote_organisations
from integrations.xero.sync import invoicing
from invoices.models import Invoice, Quote, TrackingOption
from opportunities import lines as opportunity_lines
from opportunities.billing import opportunity_invoices
from opportunities.models import Opportunity, OpportunityLine
from opportunities.selectors import opportunity_detail


def opportunity_invoices_of(*, opportunity: Opportunity) -> QuerySet[Invoice]:
    """The opportunity's sales invoices (opportunities.billing's rule: its contact's, whose reference names it,
    `OPP-<id>` or `OPP-<id>-<n>`, or that bill its instalments): those Capsync raised for it, and any typed in
    Xero the same way."""
    return (
        opportunity_invoices(opportunity_id=opportunity.pk, contact_id=opportunity.contact_id)
        .filter(type=Invoice.Type.ACCREC)
        .select_related("organisation")
        .order_by("-issued_on", "-pk")
    )


@dataclass(frozen=True)
class OpportunityInvoicesPage:
    opportunity: Opportunity
    invoices: list[Invoice]
    can_invoice: bool  # won, and some organisation to make it in


def opportunity_invoices_page(*, user: User, opportunity_id: int) -> OpportunityInvoicesPage:
    """Raises Opportunity.DoesNotExist when the user may not see the opportunity."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    won = opportunity.outcome == Opportunity.Outcome.WON
    return OpportunityInvoicesPage(
        opportunity=opportunity,
        invoices=list(opportunity_invoices_of(opportunity=opportunity)),
        can_invoice=won and bool(quote_organisations(contact_id=opportunity.contact_id, user=user)),
    )


@dataclass(frozen=True)
class InvoiceFormPage:
    """What the "Create invoice in Xero" form starts from: the opportunity, where the invoice may go, the status
    and due date it is offered with, the invoices it already has, and the accepted quote it copies (if any)."""

    opportunity: Opportunity
    organisations: list[XeroConnection]
    invoices: list[Invoice]
    issued_on: date
    quote: Quote | None

    def organisation_id(self, data: Mapping[str, str] | None) -> int | None:
        """The connection the form is for: the one posted (when offered), else the suggested one."""
        offered = {c.pk for c in self.organisations}
        posted = (data or {}).get("organisation", "")
        if posted.isdigit() and int(posted) in offered:
            return int(posted)
        if self.quote is not None:
            from_quote = [c.pk for c in self.organisations if c.organisation_id == self.quote.organisation_id]
            if from_quote:
                return from_quote[0]
        return QuoteFormPage(
            opportunity=self.opportunity, organisations=self.organisations, drafts=[]
        ).suggested_organisation_id

    def organisation_pk(self, connection_id: int | None) -> int | None:
        """The ledger organisation of that connection (whose catalogue the lines pick from)."""
        return next((c.organisation_id for c in self.organisations if c.pk == connection_id), None)

    @cached_property
    def connection(self) -> XeroConnection | None:
        connection_id = self.organisation_id(None)
        return next((c for c in self.organisations if c.pk == connection_id), None)

    @property
    def default_status(self) -> str:
        return self.connection.invoice_status if self.connection else XeroConnection.InvoiceStatus.DRAFT

    @cached_property
    def due(self) -> invoicing.DueDate | None:
        if self.connection is None:
            return None
        return invoicing.due_date_default(
            connection_id=self.connection.pk, contact_id=self.opportunity.contact_id, issued_on=self.issued_on
        )

    def tracking_option_id(self, tracking: tuple[tuple[str, str], ...]) -> int | None:
        """The ledger's tracking option of a (category, option) pair of Xero's, if one is cached."""
        if not tracking or self.connection is None:
            return None
        category, option = tracking[0]
        return (
            TrackingOption.objects.filter(
                organisation_id=self.connection.organisation_id, category_name=category, name=option
            )
            .values_list("pk", flat=True)
            .first()
        )


def invoice_form_page(*, user: User, opportunity_id: int, quote_id: str | None = None) -> InvoiceFormPage:
    """Raises Opportunity.DoesNotExist when the user may not see the opportunity. `quote_id` (as the query string
    gave it) names one of its accepted quotes to copy; anything else is ignored."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    organisations = quote_organisations(contact_id=opportunity.contact_id, user=user)
    quote = None
    if quote_id and quote_id.isdigit():
        quote = Quote.objects.filter(
            pk=int(quote_id), opportunity_id=opportunity.pk, status=Quote.Status.ACCEPTED
        ).first()
    connection = organisations[0] if organisations else None
    return InvoiceFormPage(
        opportunity=opportunity,
        organisations=organisations,
        invoices=list(opportunity_invoices_of(opportunity=opportunity)),
        issued_on=invoicing.organisation_today(connection_id=connection.pk, now=timezone.now())
        if connection
        else timezone.localdate(),
        quote=quote,
    )


@dataclass(frozen=True)
class OpportunityLinesPage:
    opportunity: Opportunity
    lines: list[OpportunityLine]
    total: Decimal
    organisation_id: int | None  # the ledger organisation whose items the picker offers (None: none connected)


def opportunity_lines_page(*, user: User, opportunity_id: int) -> OpportunityLinesPage:
    """Raises Opportunity.DoesNotExist when the user may not see the opportunity."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    organisations = quote_organisations(contact_id=opportunity.contact_id, user=user)
    suggested = QuoteFormPage(opportunity=opportunity, organisations=organisations, drafts=[]).suggested_organisation_id
    chosen = next((c for c in organisations if c.pk == suggested), organisations[0] if organisations else None)
    rows = opportunity_lines.lines_of(opportunity=opportunity)
    return OpportunityLinesPage(
        opportunity=opportunity,
        lines=rows,
        total=opportunity_lines.lines_total(rows),
        organisation_id=chosen.organisation_id if chosen else None,
    )
