"""Stored granted scopes as Xero writes them: "openid profile ...", not the str() of a Python list.

Until the token calls were sent by Capsync itself, oauthlib handed the granted scopes over as a list, and its
str() ("['openid', 'profile', ...]") was stored. Rewrite those values; the others are left as they are.
"""

import re

from django.db import migrations

_LISTED = re.compile(r"'([^']*)'")


def scopes_space_separated(apps, schema_editor) -> None:
    XeroGrant = apps.get_model("xero", "XeroGrant")
    for grant in XeroGrant.objects.filter(scopes__startswith="[").only("pk", "scopes"):
        grant.scopes = " ".join(scope for scope in _LISTED.findall(grant.scopes) if scope)
        grant.save(update_fields=["scopes"])


class Migration(migrations.Migration):

    dependencies = [
        ("xero", "0007_sync_queue_and_day_budget"),
    ]

    operations = [
        migrations.RunPython(scopes_space_separated, migrations.RunPython.noop),
    ]
