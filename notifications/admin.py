from django.contrib import admin

from notifications.models import Notification, OverdueAlert


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["message", "user", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["message", "user__email"]


@admin.register(OverdueAlert)
class OverdueAlertAdmin(admin.ModelAdmin):
    list_display = ["invoice", "sent_at"]
    raw_id_fields = ["invoice", "notification"]
