from django.urls import path

from integrations.xero import views

app_name = "xero"
urlpatterns = [
    path("", views.integrations, name="integrations"),
]
