"""The integration's cards on the dashboard: each organisation's sync health and the matches waiting for an admin.

The dashboard app belongs to the CRM and never imports the integration; its template loads this library by name,
as it reaches the integration's pages by URL name.
"""

from django import template

from integrations.xero import selectors

register = template.Library()


@register.inclusion_tag("xero/_dashboard_cards.html", takes_context=True)
def xero_dashboard_cards(context: template.Context) -> dict:
    """The "Xero sync" and "Matches to check" cards (five queries, whatever the number of organisations)."""
    health = selectors.sync_health(count_linked=False)
    return {
        "user": context["user"],
        "sync_health": health,
        "open_conflicts": sum(organisation.open_conflicts for organisation in health),
    }
