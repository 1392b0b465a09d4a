"""Reads of notes and tasks, always through the contacts and opportunities the user may see.

A note is visible with its contact. A task is visible to its owner, and to whoever may see its contact or
opportunity. The timelines that interleave them with money events are in `history.py`.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import User
from activity.models import Note, Task
from contacts.models import Contact
from contacts.selectors import contacts_visible_to
from opportunities.models import Opportunity
from opportunities.selectors import opportunities_visible_to


def notes_visible_to(*, user: User) -> QuerySet[Note]:
    """Every note whose contact the user may see."""
    return Note.objects.filter(contact__in=contacts_visible_to(user=user))


def note_detail(*, user: User, note_id: int) -> Note:
    """One visible note with its author, contact and opportunity. Raises Note.DoesNotExist when not visible."""
    return notes_visible_to(user=user).select_related("author", "contact", "opportunity").get(pk=note_id)


def tasks_visible_to(*, user: User) -> QuerySet[Task]:
    """The user's own tasks, and those about a contact or opportunity the user may see."""
    return Task.objects.filter(
        Q(owner=user)
        | Q(contact__in=contacts_visible_to(user=user))
        | Q(opportunity__in=opportunities_visible_to(user=user))
    )


def task_detail(*, user: User, task_id: int) -> Task:
    """One visible task. Raises Task.DoesNotExist when not visible."""
    return tasks_visible_to(user=user).select_related("owner", "contact", "opportunity").get(pk=task_id)


def task_due_count(*, user: User, today: date) -> int:
    """How many of the user's open tasks are due on or before `today` (the sidebar's count)."""
    return Task.objects.filter(owner=user, completed_at__isnull=True, due_on__lte=today).count()


@dataclass(frozen=True)
class MyTasks:
    """The user's open tasks in three groups as of `today`, and the ones completed today."""

    today: date
    overdue: list[Task]
    due_today: list[Task]
    upcoming: list[Task]
    done_recently: list[Task]

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.upcoming)


MY_TASKS_DONE_SHOWN = 10


def my_tasks(*, user: User, today: date) -> MyTasks:
    """The user's open tasks split into overdue, due today and upcoming (by due date), and the last
    MY_TASKS_DONE_SHOWN completed. Two queries."""
    related = ("owner", "contact", "opportunity", "invoice")
    open_tasks = list(
        Task.objects.filter(owner=user, completed_at__isnull=True).select_related(*related).order_by("due_on", "id")
    )
    done = list(
        Task.objects.filter(owner=user, completed_at__isnull=False)
        .select_related(*related)
        .order_by("-completed_at", "-id")[:MY_TASKS_DONE_SHOWN]
    )
    return MyTasks(
        today=today,
        overdue=[task for task in open_tasks if task.due_on < today],
        due_today=[task for task in open_tasks if task.due_on == today],
        upcoming=[task for task in open_tasks if task.due_on > today],
        done_recently=done,
    )


def assignable_owners(*, user: User) -> QuerySet[User]:
    """Who the user may give a task to: the members of the user's teams (every active user for admins)."""
    users = User.objects.filter(is_active=True)
    if not user.is_admin:
        users = users.filter(teams__members=user)
    return users.distinct().order_by("first_name", "last_name", "email")


def contact_for_history(*, user: User, contact_id: int) -> Contact:
    """A visible contact, as the history forms need it. Raises Contact.DoesNotExist when not visible."""
    return contacts_visible_to(user=user).only("pk", "name", "kind", "team_id").get(pk=contact_id)


def opportunity_for_history(*, user: User, opportunity_id: int) -> Opportunity:
    """A visible opportunity with its contact. Raises Opportunity.DoesNotExist when not visible."""
    return opportunities_visible_to(user=user).select_related("contact").get(pk=opportunity_id)
