from django.urls import path

from dashboard import views

# No app namespace: the dashboard is the site's home page, reversed as "dashboard" since before it was an app.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
