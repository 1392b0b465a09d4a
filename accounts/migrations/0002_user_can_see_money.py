from django.db import migrations, models


class Migration(migrations.Migration):
    """Who may see money (issue 15): existing users keep seeing it; an admin turns it off per user."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="can_see_money",
            field=models.BooleanField(
                db_default=True,
                default=True,
                help_text="Shows Xero's amounts: invoices, payments, credit notes, quotes, instalments and "
                "receivables. Without it the user sees that a contact is linked to Xero, and which invoices were "
                "issued, but no amount. Admins always see money.",
                verbose_name="can see money",
            ),
        ),
    ]
