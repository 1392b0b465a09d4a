from django.urls import path

from opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("<int:opportunity_id>/", views.opportunity_detail, name="detail"),
    path("<int:opportunity_id>/move/", views.opportunity_move, name="move"),
]
