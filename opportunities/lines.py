"""An opportunity's line items: what it sells, line by line, as it will be invoiced.

A line is usually picked from the organisation's Xero Items (the ledger's catalogue, `invoices.catalogue`), which
gives its description, unit price, account and tax type; quantity, price and discount are the salesperson's. An
opportunity without lines is invoiced as one line of its value, described by its name (`invoice_lines`).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from accounts.models import User
from invoices.models import Item, TrackingOption
from opportunities.models import Opportunity, OpportunityLine
from opportunities.selectors import opportunity_detail

MAX_LINES = 20


class LineInvalid(ValueError):
    """The line can't be kept as given; the message says why, for the user."""


@dataclass(frozen=True)
class LineData:
    """A line as the form gives it. `item_id` picks a catalogue item (its code, and its account and tax when the
    form leaves them empty); `tracking_option_id` an optional tracking option of the same organisation."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    discount_rate: Decimal | None = None
    item_id: int | None = None
    account_code: str = ""
    tax_type: str = ""
    tracking_option_id: int | None = None


@transaction.atomic
def line_add(*, user: User, opportunity_id: int, data: LineData) -> OpportunityLine:
    """Add a line at the end. Raises Opportunity.DoesNotExist (not visible), Item.DoesNotExist,
    TrackingOption.DoesNotExist, or LineInvalid."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    Opportunity.objects.select_for_update().filter(pk=opportunity.pk).first()  # one writer of positions at a time
    if opportunity.lines.count() >= MAX_LINES:
        raise LineInvalid(f"An opportunity has at most {MAX_LINES} lines.")
    item = Item.objects.get(pk=data.item_id) if data.item_id else None
    tracking = TrackingOption.objects.get(pk=data.tracking_option_id) if data.tracking_option_id else None
    if item and tracking and item.organisation_id != tracking.organisation_id:
        raise LineInvalid("Pick a tracking option of the item's organisation.")
    description = data.description.strip() or (item.description or item.name if item else "")
    if not description:
        raise LineInvalid("Describe the line, or pick an item.")
    position = (opportunity.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    return OpportunityLine.objects.create(
        opportunity=opportunity,
        position=position,
        organisation_id=item.organisation_id if item else (tracking.organisation_id if tracking else None),
        item_code=item.code if item else "",
        description=description,
        quantity=data.quantity,
        unit_amount=data.unit_amount,
        discount_rate=data.discount_rate or None,
        account_code=data.account_code or (item.account_code if item else ""),
        tax_type=data.tax_type or (item.tax_type if item else ""),
        tracking_option=tracking,
    )


def line_delete(*, user: User, opportunity_id: int, line_id: int) -> None:
    """Remove one line. Raises Opportunity.DoesNotExist (not visible) or OpportunityLine.DoesNotExist."""
    opportunity = opportunity_detail(user=user, opportunity_id=opportunity_id)
    opportunity.lines.get(pk=line_id).delete()


def lines_of(*, opportunity: Opportunity) -> list[OpportunityLine]:
    return list(opportunity.lines.select_related("tracking_option"))


def lines_total(lines: list[OpportunityLine]) -> Decimal:
    return sum((line.line_amount for line in lines), Decimal("0.00"))


@dataclass(frozen=True)
class InvoiceLineDraft:
    """A line as an invoice form starts from it (tracking as Xero names it: category and option)."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    item_code: str
    account_code: str
    tax_type: str
    discount_rate: Decimal | None
    tracking_option_id: int | None


def invoice_lines(*, opportunity: Opportunity) -> list[InvoiceLineDraft]:
    """The lines an invoice of this opportunity starts from: its line items, else one line of its value described by
    its name."""
    lines = lines_of(opportunity=opportunity)
    if not lines:
        return [
            InvoiceLineDraft(
                description=opportunity.name,
                quantity=Decimal(1),
                unit_amount=opportunity.value,
                item_code="",
                account_code="",
                tax_type="",
                discount_rate=None,
                tracking_option_id=None,
            )
        ]
    return [
        InvoiceLineDraft(
            description=line.description,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            item_code=line.item_code,
            account_code=line.account_code,
            tax_type=line.tax_type,
            discount_rate=line.discount_rate,
            tracking_option_id=line.tracking_option_id,
        )
        for line in lines
    ]
