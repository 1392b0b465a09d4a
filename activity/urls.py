from django.urls import path

from activity import views

app_name = "activity"
urlpatterns = [
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/new/", views.my_task_create, name="my_task_create"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("contacts/<int:contact_id>/", views.contact_history, name="contact_history"),
    path("contacts/<int:contact_id>/notes/", views.note_create, name="contact_note_create"),
    path("contacts/<int:contact_id>/tasks/", views.task_create, name="contact_task_create"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_history, name="opportunity_history"),
    path("opportunities/<int:opportunity_id>/notes/", views.note_create, name="opportunity_note_create"),
    path("opportunities/<int:opportunity_id>/tasks/", views.task_create, name="opportunity_task_create"),
    path("notes/<int:note_id>/", views.note_detail, name="note"),
    path("notes/<int:note_id>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
]
