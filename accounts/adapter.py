from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Capsync accounts are made by an admin; open sign-up only when ACCOUNT_ALLOW_SIGNUP is set."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: object) -> str:
        """The key allauth counts failed sign-ins under (rate `login_failed`, per key): the account *and* the
        client's address, so failures from one address lock that account there only, not for its owner
        elsewhere. allauth 65 has no "key+ip" rate and builds the key here (it also clears it on a reset)."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"
