from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0002_quote'),
    ]

    operations = [
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=255)),
                ('short_code', models.CharField(blank=True, max_length=20)),
                ('base_currency', models.CharField(blank=True, max_length=3)),
                ('timezone', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'ordering': ['name', 'pk'],
            },
        ),
    ]
