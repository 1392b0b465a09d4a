from django.urls import path

from integrations.xero import views, webhooks

app_name = "xero"
urlpatterns = [
    path("", views.integrations, name="integrations"),
    path("connect/", views.connect, name="connect"),
    path("authorize/", views.authorize, name="authorize"),
    path("callback/", views.callback, name="callback"),
    path("webhooks/", webhooks.receive, name="webhooks"),
    path("pick/", views.pick, name="pick"),
    path("<int:connection_id>/options/", views.options, name="options"),
    path("<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
    path("<int:connection_id>/sync/", views.sync_now, name="sync_now"),
    path("<int:connection_id>/sync/status/", views.sync_status, name="sync_status"),
    path("contacts/<int:contact_id>/push/", views.contact_push, name="contact_push"),
    path("contacts/<int:contact_id>/push/retry/", views.contact_push_retry, name="contact_push_retry"),
    path("health/", views.health, name="health"),
    path("health/errors/retry/", views.errors_retry, name="errors_retry"),
    path("contacts/<int:contact_id>/status/", views.contact_status, name="contact_status"),
    path("contacts/<int:contact_id>/sync/", views.contact_sync, name="contact_sync"),
    path("opportunities/<int:opportunity_id>/quotes/", views.opportunity_quotes, name="opportunity_quotes"),
    path("opportunities/<int:opportunity_id>/quotes/new/", views.quote_create, name="quote_create"),
]
