from django.urls import path

from forecast import views

app_name = "forecast"
urlpatterns = [
    path("", views.forecast_page, name="page"),
    path("weeks/<int:week>/", views.forecast_week, name="week"),
    path("forecast.csv", views.forecast_download, name="csv"),
]
