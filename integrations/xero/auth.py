"""Xero tokens: kept encrypted at rest, refreshed under a row lock, never logged.

Xero refresh tokens are single use and rotate on every refresh, so two workers must never spend the same one:
a refresh locks the grant row (select_for_update), re-reads it, refreshes only if the token is still the stale
one, and saves the new pair in the same transaction before anything uses it. If Xero's answer to a refresh is
lost, the previous refresh token stays valid for a grace period (30 minutes at Xero), so the same refresh is
simply tried once more.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, partial

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

from integrations.xero import client, notifications, oauth, schemas
from integrations.xero.models import XeroConnection, XeroGrant

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(seconds=60)


class TokenDecryptionError(Exception):
    """A stored token cannot be decrypted with any key in CAPSYNC_ENCRYPTION_KEYS."""


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(text: str) -> str:
    """Encrypt with the first key of CAPSYNC_ENCRYPTION_KEYS."""
    return _cipher(tuple(settings.CAPSYNC_ENCRYPTION_KEYS)).encrypt(text.encode()).decode("ascii")


def secret_decrypt(token: str) -> str:
    """Decrypt with whichever key of CAPSYNC_ENCRYPTION_KEYS made it. Raises TokenDecryptionError."""
    try:
        return _cipher(tuple(settings.CAPSYNC_ENCRYPTION_KEYS)).decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("A Xero token cannot be decrypted: was CAPSYNC_ENCRYPTION_KEYS changed?") from exc


def grants_reencrypt() -> int:
    """Re-encrypt every stored token with the first key of CAPSYNC_ENCRYPTION_KEYS; returns how many grants.

    The step of a key rotation that lets the old key be removed. Each grant is rewritten under its row lock, so a
    refresh running at the same time is never overwritten with the token it has just spent. Raises
    TokenDecryptionError (naming the grant) when no configured key reads a token.
    """
    cipher = _cipher(tuple(settings.CAPSYNC_ENCRYPTION_KEYS))
    grant_ids = list(XeroGrant.objects.order_by("pk").values_list("pk", flat=True))
    for grant_id in grant_ids:
        with transaction.atomic():
            grant = XeroGrant.objects.select_for_update().get(pk=grant_id)
            try:
                grant.access_token_encrypted = cipher.rotate(grant.access_token_encrypted.encode("ascii")).decode()
                grant.refresh_token_encrypted = cipher.rotate(grant.refresh_token_encrypted.encode("ascii")).decode()
            except InvalidToken as exc:
                raise TokenDecryptionError(
                    f"Xero grant {grant_id}: no key in CAPSYNC_ENCRYPTION_KEYS decrypts its tokens."
                ) from exc
            grant.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
    return len(grant_ids)


def _store_tokens(grant: XeroGrant, tokens: schemas.TokenSet) -> None:
    grant.access_token_encrypted = secret_encrypt(tokens.access_token)
    grant.refresh_token_encrypted = secret_encrypt(tokens.refresh_token)
    grant.access_token_expires_at = tokens.expires_at
    grant.scopes = oauth.scopes_text(tokens.scopes)


def grant_create(*, tokens: schemas.TokenSet, connected_by_id: int, now: datetime) -> XeroGrant:
    """Keep the tokens of a new consent."""
    grant = XeroGrant(
        connected_by_id=connected_by_id,
        auth_event_id=tokens.auth_event_id,
        xero_user_id=tokens.xero_user_id,
        refreshed_at=now,
    )
    _store_tokens(grant, tokens)
    grant.save()
    return grant


def grant_access_token(*, grant_id: int, identity: client.XeroIdentity, now: datetime) -> str:
    """A usable access token for the grant, refreshed first when it expires within a minute.

    Raises ReconnectNeeded when the consent is gone, XeroUnavailable when Xero cannot be reached.
    """
    grant = XeroGrant.objects.get(pk=grant_id)
    if grant.status != XeroGrant.Status.ACTIVE:
        raise client.ReconnectNeeded("This Xero connection needs an admin to reconnect it.")
    if grant.access_token_expires_at - REFRESH_MARGIN > now:
        return secret_decrypt(grant.access_token_encrypted)
    return grant_refresh(grant_id=grant_id, identity=identity, now=now)


def grant_refresh(*, grant_id: int, identity: client.XeroIdentity, now: datetime, stale_access_token: str = "") -> str:
    """Refresh the grant's tokens under its row lock and return the new access token.

    Another worker may have refreshed while we waited for the lock: then its fresh token is returned and no
    refresh token is spent. Pass `stale_access_token` after a 401, so a token that still looks unexpired but was
    refused is replaced. Raises ReconnectNeeded (and marks the grant and its organisations) on invalid_grant.
    """
    lost_consent: client.ReconnectNeeded | None = None
    with transaction.atomic():
        grant = XeroGrant.objects.select_for_update().get(pk=grant_id)
        if grant.status != XeroGrant.Status.ACTIVE:
            raise client.ReconnectNeeded("This Xero connection needs an admin to reconnect it.")
        current = secret_decrypt(grant.access_token_encrypted)
        still_fresh = grant.access_token_expires_at - REFRESH_MARGIN > now
        if still_fresh and current != stale_access_token:
            return current
        refresh_token = secret_decrypt(grant.refresh_token_encrypted)
        try:
            tokens = _refresh_surviving_a_lost_answer(identity=identity, refresh_token=refresh_token, now=now)
        except client.ReconnectNeeded as exc:
            lost_consent = exc
            grant_mark_needs_reconnect(grant=grant, reason="Xero no longer accepts Capsync's access (invalid_grant)")
        else:
            _store_tokens(grant, tokens)
            grant.refreshed_at = now
            grant.save(
                update_fields=[
                    "access_token_encrypted",
                    "refresh_token_encrypted",
                    "access_token_expires_at",
                    "scopes",
                    "refreshed_at",
                ]
            )
            logger.info("Refreshed Xero tokens", extra={"grant_id": grant.pk})
            return tokens.access_token
    # Outside the block, so the "needs reconnect" marks are committed before the caller sees the error.
    raise lost_consent


def _refresh_surviving_a_lost_answer(
    *, identity: client.XeroIdentity, refresh_token: str, now: datetime
) -> schemas.TokenSet:
    try:
        return identity.refresh(refresh_token=refresh_token, now=now)
    except client.XeroUnavailable:
        # Xero may have rotated the token and the answer was lost; the old token is accepted again within the
        # grace period, so one more try recovers. A second failure leaves the stored token as it was.
        logger.warning("Xero token refresh got no answer; trying once more", extra={"retry": 1})
        return identity.refresh(refresh_token=refresh_token, now=now)


def grant_mark_needs_reconnect(*, grant: XeroGrant, reason: str) -> None:
    """Pause every organisation of the grant until an admin reconnects; nothing is deleted."""
    grant.status = XeroGrant.Status.NEEDS_RECONNECT
    grant.status_reason = reason
    grant.save(update_fields=["status", "status_reason"])
    grant.connections.exclude(status=XeroConnection.Status.DISCONNECTED).update(
        status=XeroConnection.Status.NEEDS_RECONNECT, status_reason=reason
    )
    logger.warning("Xero connection needs reconnect", extra={"grant_id": grant.pk})
    transaction.on_commit(partial(notifications.needs_reconnect_email, grant_id=grant.pk))


PERMISSION_MISSING = (
    "Xero refused a call that Capsync's consent has no permission for (a scope was not granted). "
    "Connect again to grant every permission Capsync asks for; the data stays in Capsync."
)
ACCESS_REMOVED = (
    "Capsync's access to this organisation was removed in Xero (consent revoked). Its data stays "
    "in Capsync; connect it again to resume syncing."
)


def connection_mark_access_removed(*, connection_id: int, now: datetime) -> None:
    """Xero refused the organisation to a token it still accepts: its consent was revoked, or the organisation was
    disconnected, in Xero. Stop syncing it (disconnected, with the reason); nothing is deleted."""
    XeroConnection.objects.filter(pk=connection_id).exclude(status=XeroConnection.Status.DISCONNECTED).update(
        status=XeroConnection.Status.DISCONNECTED, status_reason=ACCESS_REMOVED, disconnected_at=now
    )
    logger.warning("Xero organisation access was removed in Xero", extra={"connection_id": connection_id})


def permission_refusal_handle(
    *, connection: XeroConnection, identity: client.XeroIdentity, refused: client.PermissionMissing, now: datetime
) -> str:
    """Find out why Xero answered 401 AuthorizationUnsuccessful, pause only what it concerns, and return what to
    tell the admin (the sync run's message, shown on sync health).

    Xero gives that answer for a scope the consent lacks, but also for endpoints the app's tier does not include
    and for some organisations (docs/xero.md). So: a scope missing from the granted ones pauses the whole grant
    (connecting again asks for every scope); an organisation no longer in GET /connections is disconnected alone;
    otherwise nothing is paused, because reconnecting would not help.
    """
    grant = XeroGrant.objects.filter(pk=connection.grant_id, status=XeroGrant.Status.ACTIVE).first()
    if grant is None:
        return f"Xero needs an admin to reconnect: {refused}"
    call = f"{refused.method} {refused.path}".strip()
    missing = oauth.scope_missing_for(
        refused.path, method=refused.method or "GET", granted=oauth.scopes_granted(grant.scopes)
    )
    if missing:
        reason = (
            f"Xero refused {call}: Capsync's consent has no permission for it (the {missing} scope was not "
            "granted). Connect again to grant every permission Capsync asks for; the data stays in Capsync."
        )
        grant_mark_needs_reconnect(grant=grant, reason=reason)
        return reason
    try:
        tenants = identity.connections(access_token=grant_access_token(grant_id=grant.pk, identity=identity, now=now))
    except client.XeroError as exc:
        logger.warning("Could not list Xero connections after a refusal", extra={"connection_id": connection.pk})
        return f"Xero refused {call} (401 AuthorizationUnsuccessful), and listing the connections failed ({exc})."
    if connection.tenant_id not in {tenant.tenant_id for tenant in tenants}:
        connection_mark_access_removed(connection_id=connection.pk, now=now)
        return ACCESS_REMOVED
    logger.warning(
        "Xero refused a call the consent has the scope for",
        extra={"connection_id": connection.pk, "path": refused.path},
    )
    return (
        f"Xero refused {call} for this organisation, although the consent includes its permission and the "
        "organisation is still connected. Xero does this for endpoints the app's pricing tier does not include "
        "and for some organisations; reconnecting will not help. Nothing was paused; the next sync tries again."
    )


def client_for(
    *, connection: XeroConnection, identity: client.XeroIdentity, clock: Callable[[], datetime]
) -> client.XeroClient:
    """A XeroClient for the organisation whose tokens refresh through this module (under the grant's lock)."""
    grant_id = connection.grant_id

    def access_token(refused_token: str) -> str:
        if refused_token:
            return grant_refresh(grant_id=grant_id, identity=identity, now=clock(), stale_access_token=refused_token)
        return grant_access_token(grant_id=grant_id, identity=identity, now=clock())

    return client.XeroClient(tenant_id=connection.tenant_id, access_token=access_token)
