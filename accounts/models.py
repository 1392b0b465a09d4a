from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager["User"]):
    """Users are identified by email address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: object) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in to Capsync. Staff users are the CRM's admins and see every team.

    `can_see_money` says whether the accounts (Xero's amounts) are shown to them; read it only through
    `accounts.selectors.user_sees_money`, which also lets every admin see money."""

    username = None
    email = models.EmailField("email address", unique=True)
    can_see_money = models.BooleanField(
        "can see money",
        default=True,
        db_default=True,  # the database default keeps older code's inserts working
        help_text="Shows Xero's amounts: invoices, payments, credit notes, quotes, instalments and receivables. "
        "Without it the user sees that a contact is linked to Xero, and which invoices were issued, "
        "but no amount. Admins always see money.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_admin(self) -> bool:
        return self.is_staff or self.is_superuser


class Team(models.Model):
    """A group of users who share contacts and opportunities."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
