import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """QuoteRequest becomes CreateRequest (quotes and invoices share the one-per-submission mechanism); the
    connection gains the invoice options and Xero contacts their sales payment terms."""

    dependencies = [
        ("invoices", "0007_catalogue_and_terms"),
        ("xero", "0010_names_and_contact_numbers"),
    ]

    operations = [
        migrations.RenameModel(old_name="QuoteRequest", new_name="CreateRequest"),
        migrations.AddField(
            model_name="createrequest",
            name="kind",
            field=models.CharField(
                choices=[("quote", "Quote"), ("invoice", "Invoice")], default="quote", max_length=7
            ),
        ),
        migrations.AlterField(
            model_name="createrequest",
            name="connection",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="create_requests", to="xero.xeroconnection"
            ),
        ),
        migrations.AddField(
            model_name="createrequest",
            name="invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="invoices.invoice",
            ),
        ),
        migrations.AddField(
            model_name="xeroconnection",
            name="invoice_status",
            field=models.CharField(
                choices=[("DRAFT", "Draft"), ("AUTHORISED", "Approved")], default="DRAFT", max_length=10
            ),
        ),
        migrations.AddField(
            model_name="xeroconnection",
            name="sales_account_code",
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name="xeroconnection",
            name="sales_tax_type",
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name="xerocontact",
            name="sales_terms_day",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="xerocontact",
            name="sales_terms_type",
            field=models.CharField(blank=True, max_length=20),
        ),
    ]
