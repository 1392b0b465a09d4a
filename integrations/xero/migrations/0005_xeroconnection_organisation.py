"""Give every Xero connection a CRM-owned accounting organisation holding its name, short code, base currency and
time zone (copied from the connection; the next migration drops the connection's own columns)."""

import django.db.models.deletion
from django.db import migrations, models

DETAILS = ("name", "short_code", "base_currency", "timezone")


def organisations_create(apps, schema_editor):
    XeroConnection = apps.get_model("xero", "XeroConnection")
    Organisation = apps.get_model("invoices", "Organisation")
    for connection in XeroConnection.objects.filter(organisation__isnull=True).order_by("pk"):
        connection.organisation = Organisation.objects.create(
            **{detail: getattr(connection, detail) for detail in DETAILS}
        )
        connection.save(update_fields=["organisation"])


def organisations_copy_back(apps, schema_editor):
    XeroConnection = apps.get_model("xero", "XeroConnection")
    for connection in XeroConnection.objects.select_related("organisation").exclude(organisation__isnull=True):
        for detail in DETAILS:
            setattr(connection, detail, getattr(connection.organisation, detail))
        connection.save(update_fields=list(DETAILS))


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0003_organisation'),
        ('xero', '0004_xero_contact_merged_into'),
    ]

    operations = [
        migrations.AddField(
            model_name='xeroconnection',
            name='organisation',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name='xero_connection', to='invoices.organisation'),
        ),
        migrations.RunPython(organisations_create, organisations_copy_back),
    ]
