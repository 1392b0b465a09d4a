"""The organisation's details now live on `invoices.Organisation` only (copied there by 0005)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0005_drop_connection_fks'),
        ('xero', '0005_xeroconnection_organisation'),
    ]

    operations = [
        migrations.AlterModelOptions(name='xeroconnection', options={'ordering': ['organisation__name', 'pk']}),
        migrations.AlterField(
            model_name='xeroconnection',
            name='organisation',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='xero_connection',
                                       to='invoices.organisation'),
        ),
        migrations.RemoveField(model_name='xeroconnection', name='name'),
        migrations.RemoveField(model_name='xeroconnection', name='short_code'),
        migrations.RemoveField(model_name='xeroconnection', name='base_currency'),
        migrations.RemoveField(model_name='xeroconnection', name='timezone'),
    ]
