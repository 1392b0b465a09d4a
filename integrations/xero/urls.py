from django.urls import path

from integrations.xero import webhooks
from integrations.xero.views import contacts, health, instalments, invoices, quotes, wizard

app_name = "xero"
urlpatterns = [
    path("", wizard.integrations, name="integrations"),
    path("connect/", wizard.connect, name="connect"),
    path("authorize/", wizard.authorize, name="authorize"),
    path("callback/", wizard.callback, name="callback"),
    path("webhooks/", webhooks.receive, name="webhooks"),
    path("pick/", wizard.pick, name="pick"),
    path("<int:connection_id>/options/", wizard.options, name="options"),
    path("<int:connection_id>/disconnect/", wizard.disconnect, name="disconnect"),
    path("<int:connection_id>/sync/", wizard.sync_now, name="sync_now"),
    path("<int:connection_id>/sync/status/", wizard.sync_status, name="sync_status"),
    path("contacts/<int:contact_id>/push/", contacts.contact_push, name="contact_push"),
    path("contacts/<int:contact_id>/push/retry/", contacts.contact_push_retry, name="contact_push_retry"),
    path("health/", health.health, name="health"),
    path("health/errors/retry/", health.errors_retry, name="errors_retry"),
    path("contacts/<int:contact_id>/status/", contacts.contact_status, name="contact_status"),
    path("contacts/<int:contact_id>/sync/", contacts.contact_sync, name="contact_sync"),
    path("opportunities/<int:opportunity_id>/quotes/", quotes.opportunity_quotes, name="opportunity_quotes"),
    path("opportunities/<int:opportunity_id>/quotes/new/", quotes.quote_create, name="quote_create"),
    path("opportunities/<int:opportunity_id>/invoices/", invoices.opportunity_invoices, name="opportunity_invoices"),
    path("opportunities/<int:opportunity_id>/invoices/new/", invoices.invoice_create, name="invoice_create"),
    path(
        "opportunities/<int:opportunity_id>/instalments/invoices/",
        instalments.instalment_invoices_raise,
        name="instalment_invoices_raise",
    ),
    path("opportunities/<int:opportunity_id>/lines/", invoices.opportunity_lines_panel, name="opportunity_lines"),
    path(
        "opportunities/<int:opportunity_id>/lines/<int:line_id>/delete/",
        invoices.opportunity_line_delete,
        name="opportunity_line_delete",
    ),
    path("opportunities/<int:opportunity_id>/items/", invoices.item_search, name="item_search"),
]
