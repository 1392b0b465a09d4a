from django.contrib import admin

from contacts.models import Address, Contact, EmailAddress, PhoneNumber, Tag


class EmailInline(admin.TabularInline):
    model = EmailAddress
    extra = 0


class PhoneInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "team", "owner"]
    list_filter = ["kind", "team", "tags"]
    search_fields = ["name", "emails__address"]
    list_select_related = ["organisation", "team", "owner"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["tags"]
    inlines = [EmailInline, PhoneInline, AddressInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
