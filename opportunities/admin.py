from django.contrib import admin

from opportunities.models import Milestone, Opportunity


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "probability"]
    list_editable = ["position", "probability"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "contact", "milestone", "value", "currency_code", "outcome", "team", "owner"]
    list_filter = ["milestone", "outcome", "team", "currency_code"]
    search_fields = ["name", "contact__name"]
    list_select_related = ["contact", "milestone", "team", "owner"]
    raw_id_fields = ["contact"]
