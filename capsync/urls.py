from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Capsync administration"
admin.site.site_title = "Capsync admin"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("contacts/import/", include("imports.urls")),
    path("contacts/", include("contacts.urls")),
    path("pipeline/", include("opportunities.urls")),
    path("invoices/", include("invoices.urls")),
    path("forecast/", include("forecast.urls")),
    path("search/", include("search.urls")),
    path("notifications/", include("notifications.urls")),
    path("history/", include("activity.urls")),
    path("integrations/xero/", include("integrations.xero.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
