from django.db.models import QuerySet

from accounts.models import Team, User


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    """The teams whose records the user may see: all of them for admins, otherwise the user's own."""
    if user.is_admin:
        return Team.objects.all()
    return Team.objects.filter(members=user)
