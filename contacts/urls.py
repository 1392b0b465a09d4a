from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/<str:kind>/", views.contact_create, name="create"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/archive/", views.contact_archive, name="archive"),
    path("<int:contact_id>/unarchive/", views.contact_unarchive, name="unarchive"),
]
