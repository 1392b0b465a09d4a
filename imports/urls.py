from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_new, name="new"),
    path("<int:import_id>/mapping/", views.import_mapping, name="mapping"),
    path("<int:import_id>/preview/", views.import_preview, name="preview"),
    path("<int:import_id>/start/", views.import_start, name="start"),
    path("<int:import_id>/", views.import_detail, name="detail"),
    path("<int:import_id>/skipped.csv", views.import_skipped, name="skipped"),
]
