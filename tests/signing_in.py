"""Signing a test client in as a user, the session marked as allauth marks one that gave its two-factor code.

`client.force_login` alone makes a session that skipped two-factor authentication, which the admin site and the
Xero settings refuse (accounts.two_factor); this helper records the password and TOTP steps with allauth's own
`record_authentication`, as its login flow does.
"""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.test import Client, RequestFactory

from accounts.models import User


def sign_in(client: Client, user: User) -> Client:
    """`client.force_login(user)`; a user with an authenticator is marked as having given its code."""
    client.force_login(user)
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        request = RequestFactory().get("/")
        request.session = client.session
        record_authentication(request, user, "password", email=user.email)
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        request.session.save()
    return client
