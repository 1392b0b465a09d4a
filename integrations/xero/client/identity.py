"""Xero's identity calls: authorise, exchange a code, refresh, revoke, and list or remove connections.

Every call goes through the one transport (`transport.py`). The token calls are plain form posts (RFC 6749
sections 4.1.3 and 6) sent here rather than by an OAuth library, so Capsync decides exactly what is sent: a
refresh carries no `scope`, because Xero refreshes the scopes it granted and a `scope` asking for more than that
(one added to XERO_SCOPES later) fails with invalid_scope (docs/xero.md, "Refresh").
"""

import logging
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from requests.auth import HTTPBasicAuth

from integrations.xero import oauth, schemas
from integrations.xero.client.errors import XeroNotFound, XeroUnavailable
from integrations.xero.client.jsonwire import decode_json
from integrations.xero.client.transport import OAuthTransport, Transport

logger = logging.getLogger(__name__)


class XeroIdentity:
    """Xero's identity service for Capsync's app: authorise, exchange codes, refresh and revoke tokens, and list or
    remove the organisations (connections) a token reaches."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._auth = HTTPBasicAuth(client_id, client_secret)
        self.authorize_url = f"{settings.XERO_LOGIN_URL}/identity/connect/authorize"
        self.token_url = f"{settings.XERO_IDENTITY_URL}/connect/token"
        self.revocation_url = f"{settings.XERO_IDENTITY_URL}/connect/revocation"
        self.connections_url = f"{settings.XERO_API_URL}/connections"
        self._oauth = OAuthTransport()
        self._api = Transport()

    def authorization_url(self, *, state: str, code_challenge: str) -> str:
        """Xero's consent page for XERO_SCOPES, with `state` and a PKCE S256 challenge."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": oauth.scopes_text(settings.XERO_SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.authorize_url}?{urlencode(query)}"

    def _token(self, form: dict[str, str], *, now: datetime) -> schemas.TokenSet:
        response = self._oauth.request("POST", self.token_url, data=form, auth=self._auth)
        body = decode_json(response)
        try:
            return schemas.token_set(body if isinstance(body, dict) else {}, now=now)
        except schemas.SchemaError as exc:
            raise XeroUnavailable("Xero's token endpoint answered with something that is not a token") from exc

    def exchange_code(self, *, code: str, code_verifier: str, now: datetime) -> schemas.TokenSet:
        """Exchange the authorisation code. Raises ReconnectNeeded (invalid_grant), XeroConfigurationError
        (invalid_client), XeroUnavailable, or XeroError for any other refusal."""
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": code_verifier,
            },
            now=now,
        )

    def refresh(self, *, refresh_token: str, now: datetime) -> schemas.TokenSet:
        """Spend the refresh token for a new pair (the granted scopes, no `scope` sent). Raises like exchange_code."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, now=now)

    def revoke(self, *, refresh_token: str) -> None:
        """Revoke the refresh token. At Xero this removes every connection the consenting user gave the app."""
        self._oauth.request("POST", self.revocation_url, data={"token": refresh_token}, auth=self._auth)

    def connections(self, *, access_token: str, auth_event_id: str = "") -> list[schemas.TenantConnection]:
        """GET /connections: the organisations the token reaches, or only those of one consent."""
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = self._api.request(
            "GET", self.connections_url, params=params, headers={"Authorization": f"Bearer {access_token}"}
        )
        return schemas.tenant_connections(decode_json(response))

    def disconnect(self, *, access_token: str, connection_id: str) -> None:
        """Remove one organisation's connection at Xero. An unknown connection counts as already removed."""
        try:
            self._api.request(
                "DELETE", f"{self.connections_url}/{connection_id}", headers={"Authorization": f"Bearer {access_token}"}
            )
        except XeroNotFound:
            logger.info("Xero connection was already removed", extra={"xero_connection_id": connection_id})


def identity_from_settings(*, redirect_uri: str = "") -> XeroIdentity:
    """Capsync's Xero app. The redirect URI matters only to the wizard; refreshing tokens does not use it."""
    redirect_uri = redirect_uri or f"{settings.SITE_URL}/integrations/xero/callback/"
    return XeroIdentity(
        client_id=settings.XERO_CLIENT_ID, client_secret=settings.XERO_CLIENT_SECRET, redirect_uri=redirect_uri
    )
