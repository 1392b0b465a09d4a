from django.contrib import admin
from django.http import HttpRequest

from invoices.models import CreditAllocation, Invoice, Payment, Quote


class _ReadOnly:
    """The mirror is written only by the Xero sync: the admin may look, never change."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PaymentInline(_ReadOnly, admin.TabularInline):
    model = Payment
    fields = ["xero_id", "paid_on", "amount", "currency_rate", "status"]
    extra = 0


class CreditAllocationInline(_ReadOnly, admin.TabularInline):
    model = CreditAllocation
    fields = ["invoice_xero_id", "amount", "allocated_on"]
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "type",
        "status",
        "contact",
        "organisation",
        "currency_code",
        "total",
        "amount_due",
        "due_on",
    ]
    list_filter = ["organisation", "status", "kind", "type"]
    list_select_related = ["contact", "organisation"]
    search_fields = ["number", "reference", "contact__name", "xero_id"]
    date_hierarchy = "issued_on"
    inlines = [PaymentInline, CreditAllocationInline]


@admin.register(Quote)
class QuoteAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "contact",
        "opportunity",
        "organisation",
        "currency_code",
        "total",
        "expires_on",
    ]
    list_filter = ["organisation", "status"]
    list_select_related = ["contact", "opportunity", "organisation"]
    search_fields = ["number", "reference", "title", "contact__name", "xero_id"]
