from django.urls import path

from opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("new/", views.opportunity_create, name="create"),
    path("contacts/<int:contact_id>/new/", views.opportunity_create, name="contact_create"),
    path("<int:opportunity_id>/", views.opportunity_detail, name="detail"),
    path("<int:opportunity_id>/edit/", views.opportunity_edit, name="edit"),
    path("<int:opportunity_id>/close/", views.opportunity_close, name="close"),
    path("<int:opportunity_id>/reopen/", views.opportunity_reopen, name="reopen"),
    path("<int:opportunity_id>/move/", views.opportunity_move, name="move"),
    path("<int:opportunity_id>/instalments/", views.opportunity_instalments, name="instalments"),
    path("<int:opportunity_id>/instalments/create/", views.instalment_plan_create, name="instalments_create"),
    path("<int:opportunity_id>/instalments/edit/", views.instalment_plan_edit, name="instalments_edit"),
    path("<int:opportunity_id>/instalments/invoicing/", views.instalment_plan_invoicing, name="instalments_invoicing"),
    path(
        "<int:opportunity_id>/instalments/<int:instalment_id>/match/", views.instalment_match, name="instalment_match"
    ),
    path("contacts/<int:contact_id>/plans/", views.contact_instalment_plans, name="contact_plans"),
]
