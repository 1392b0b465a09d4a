"""The form adding a line item to an opportunity: an item picked from the organisation's Xero Items (optional), a
description, quantity, unit price, discount, and the account, tax rate and tracking option it is coded to."""

from decimal import Decimal

from django import forms

from integrations.xero.invoice_forms import InvoiceLineForm
from invoices.models import Item
from opportunities.lines import LineData


class OpportunityLineForm(InvoiceLineForm):
    """An invoice line as the opportunity keeps it; the item is picked by id (the picker's choice)."""

    item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(max_length=4000, required=False)

    field_order = ["item", "description", "quantity", "unit_amount", "discount_rate", "account_code", "tax_type"]

    def __init__(self, *args: object, organisation_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, organisation_id=organisation_id, **kwargs)
        del self.fields["item_code"]

    @staticmethod
    def initial_for(item: Item | None) -> dict:
        """The form's starting values: one of nothing, or of the picked item's description, price and codes."""
        if item is None:
            return {"quantity": 1}
        price = item.unit_price.quantize(Decimal("0.01")) if item.unit_price is not None else None
        return {
            "item": item.pk,
            "description": item.description or item.name,
            "quantity": 1,
            "unit_amount": price,
            "account_code": item.account_code,
            "tax_type": item.tax_type,
        }

    def clean_item(self) -> int | None:
        item_id = self.cleaned_data["item"]
        if item_id and not Item.objects.filter(pk=item_id, organisation_id=self.organisation_id).exists():
            raise forms.ValidationError("Pick the item again: it is not one of this organisation's Xero items.")
        return item_id

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("description", "").strip() and not cleaned.get("item"):
            self.add_error("description", "Describe the line, or pick an item.")
        return cleaned

    def line_data(self) -> LineData:
        data = self.cleaned_data
        return LineData(
            description=data["description"],
            quantity=data["quantity"],
            unit_amount=data["unit_amount"],
            discount_rate=data["discount_rate"],
            item_id=data["item"],
            account_code=data["account_code"],
            tax_type=data["tax_type"],
            tracking_option_id=data["tracking_option"],
        )
