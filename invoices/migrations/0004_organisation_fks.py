"""Point invoices (and so their payments and credit allocations) and quotes at their accounting organisation, the
one their Xero connection was given in xero 0005. The next migration drops the old foreign keys."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def organisations_point(apps, schema_editor):
    XeroConnection = apps.get_model("xero", "XeroConnection")
    for name in ("Invoice", "Quote"):
        apps.get_model("invoices", name).objects.update(organisation_id=Subquery(
            XeroConnection.objects.filter(pk=OuterRef("connection_id")).values("organisation_id")[:1]
        ))


def connections_point(apps, schema_editor):
    XeroConnection = apps.get_model("xero", "XeroConnection")
    for name in ("Invoice", "Quote"):
        apps.get_model("invoices", name).objects.update(connection_id=Subquery(
            XeroConnection.objects.filter(organisation_id=OuterRef("organisation_id")).values("pk")[:1]
        ))


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0003_organisation'),
        ('xero', '0005_xeroconnection_organisation'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='organisation',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoices',
                                    to='invoices.organisation'),
        ),
        migrations.AddField(
            model_name='quote',
            name='organisation',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='quotes',
                                    to='invoices.organisation'),
        ),
        migrations.RunPython(organisations_point, connections_point),
    ]
