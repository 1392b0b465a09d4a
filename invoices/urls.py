from django.urls import path

from invoices import views

app_name = "invoices"
urlpatterns = [
    path("contacts/<int:contact_id>/", views.contact_invoices, name="contact"),
]
