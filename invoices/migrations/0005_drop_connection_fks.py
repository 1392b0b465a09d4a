"""The ledger no longer points at the Xero integration: drop the connection foreign keys (their data now lives in
`organisation`) and key the uniqueness and indexes by organisation."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0004_organisation_fks'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='invoice', name='invoice_unique_per_connection'),
        migrations.RemoveIndex(model_name='invoice', name='invoice_connection_updated'),
        migrations.RemoveConstraint(model_name='quote', name='quote_unique_per_connection'),
        migrations.RemoveIndex(model_name='quote', name='quote_connection_status'),
        migrations.RemoveField(model_name='invoice', name='connection'),
        migrations.RemoveField(model_name='quote', name='connection'),
        migrations.AlterField(
            model_name='invoice',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices',
                                    to='invoices.organisation'),
        ),
        migrations.AlterField(
            model_name='quote',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='quotes',
                                    to='invoices.organisation'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(fields=('organisation', 'xero_id'),
                                               name='invoice_unique_per_organisation'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(fields=['organisation', 'xero_updated_at'], name='invoice_organisation_updated'),
        ),
        migrations.AddConstraint(
            model_name='quote',
            constraint=models.UniqueConstraint(fields=('organisation', 'xero_id'), name='quote_unique_per_organisation'),
        ),
        migrations.AddIndex(
            model_name='quote',
            index=models.Index(fields=['organisation', 'status'], name='quote_organisation_status'),
        ),
    ]
