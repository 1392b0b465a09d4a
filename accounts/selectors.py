from django.db.models import QuerySet

from accounts.models import Team, User


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    """The teams whose records the user may see: all of them for admins, otherwise the user's own."""
    if user.is_admin:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def user_sees_money(*, user: User) -> bool:
    """Whether the user may see money: Xero's amounts on invoices, payments, credit notes, quotes and instalments,
    receivables, and the payment record. Admins always may; others when an admin gave them "can see money".

    This is the one rule: every view, partial and selector that shows Xero's amounts asks it (no query: it reads
    the signed-in user). An opportunity's own value and weighted value are the CRM's, not money in this sense."""
    return bool(user.is_admin or user.can_see_money)
