from django.contrib import admin

from activity.models import Note, Task


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["contact", "kind", "author", "happened_at"]
    list_filter = ["kind"]
    raw_id_fields = ["contact", "opportunity", "author"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "due_on", "completed_at"]
    list_filter = ["completed_at"]
    raw_id_fields = ["contact", "opportunity", "invoice", "owner", "created_by", "completed_by"]
