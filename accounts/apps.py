from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users and teams"


class CapsyncAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Capsync's site: entered through allauth, with two-factor authentication."""

    default = False  # installed by its dotted path; AccountsConfig stays this module's default
    default_site = "accounts.admin_site.CapsyncAdminSite"
