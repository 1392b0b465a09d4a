"""Xero identity: the token and revocation endpoints, JWTs and JWKS, access-token checks, and connections.

The authorize (login + consent) page is in consent.py.

Decisions where Xero's behaviour is unverified are listed in xero_sandbox/README.md ("Identity").
"""

import base64
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from xero_sandbox.consent import KNOWN_SCOPES
from xero_sandbox.records import AuthCode, Connection, RefreshToken, User
from xero_sandbox.state import Sandbox
from xero_sandbox.wire import Request, Response, json_response

ACCESS_TOKEN_SECONDS = 1800
ID_TOKEN_SECONDS = 300
REFRESH_TOKEN_IDLE = timedelta(days=60)
REFRESH_GRACE = timedelta(minutes=30)

# ----- shared helpers -----


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None) -> Response:
    """Xero's problem-style JSON error (401/403)."""
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}
    body = {
        "Type": None,
        "Title": titles.get(status, "Error"),
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return json_response(status, body, headers=headers)


def _oauth_error(error: str, *, status: int = 400, description: str | None = None) -> Response:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return json_response(status, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def issuer(sandbox: Sandbox) -> str:
    return f"{sandbox.base_url}/identity"


@functools.cache
def _load_key(pem: str) -> rsa.RSAPrivateKey:
    # Loading (and checking) an RSA key costs tens of milliseconds: do it once per key, not per request.
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)


def _private_key(sandbox: Sandbox) -> rsa.RSAPrivateKey:
    return _load_key(sandbox.signing_key_pem)


def jwks(sandbox: Sandbox) -> dict:
    public_key = _private_key(sandbox).public_key()
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.update({"kid": sandbox.signing_kid, "use": "sig", "alg": "RS256", "kty": "RSA"})
    return {"keys": [jwk]}


def _encode(sandbox: Sandbox, claims: dict) -> str:
    return jwt.encode(claims, _private_key(sandbox), algorithm="RS256", headers={"kid": sandbox.signing_kid})


# ----- access-token check for API calls -----


@dataclass(frozen=True)
class Caller:
    client_id: str
    user: User
    scopes: frozenset[str]
    auth_event_id: str


def authenticate(sandbox: Sandbox, request: Request) -> Caller | Response:
    """Verify the Bearer JWT against the sandbox clock. Returns the caller, or Xero's 401 problem response."""
    token = request.bearer()
    if not token:
        return problem(401, "AuthenticationUnsuccessful", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    public_key = _private_key(sandbox).public_key()
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
        )
    except jwt.InvalidTokenError:
        return problem(401, "AuthenticationUnsuccessful", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    now = sandbox.now().timestamp()
    exp = claims.get("exp", 0)
    if exp <= now:
        expired_at = datetime.fromtimestamp(exp, UTC)
        return problem(
            401,
            f"TokenExpired: token expired at {expired_at:%m/%d/%Y %H:%M:%S}",
            headers={
                "WWW-Authenticate": (
                    f'Bearer error="invalid_token", error_description="The token expired at '
                    f"'{expired_at:%m/%d/%Y %H:%M:%S}'\""
                )
            },
        )
    user = sandbox.user_by_sub(claims.get("sub", ""))
    if user is None or claims.get("client_id") not in sandbox.apps or claims.get("nbf", 0) > now + 5:
        return problem(401, "AuthenticationUnsuccessful", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return Caller(
        client_id=claims["client_id"],
        user=user,
        scopes=frozenset(claims.get("scope") or []),
        auth_event_id=claims.get("authentication_event_id", ""),
    )


# ----- token endpoint -----


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None, bool]:
    """(client_id, client_secret, used_basic) from HTTP Basic or the form body."""
    basic = request.basic_auth()
    if basic:
        return basic[0], basic[1], True
    return form.get("client_id"), form.get("client_secret"), False


def _issue_tokens(
    sandbox: Sandbox,
    *,
    client_id: str,
    user: User,
    scopes: list[str],
    auth_event_id: str,
    chain_id: str,
    pkce: bool,
    nonce: str | None,
) -> dict:
    now = sandbox.now()
    ts = int(now.timestamp())
    session = uuid.uuid4().hex
    access_claims = {
        "nbf": ts,
        "exp": ts + ACCESS_TOKEN_SECONDS,
        "iss": issuer(sandbox),
        "aud": f"{issuer(sandbox)}/resources",
        "client_id": client_id,
        "sub": user.sub,
        "auth_time": ts,
        "idp": "Xero",
        "xero_userid": user.xero_userid,
        "global_session_id": session,
        "sid": session,
        "jti": uuid.uuid4().hex.upper(),
        "authentication_event_id": auth_event_id,
        "scope": scopes,
        "amr": ["pwd"],
    }
    response = {
        "access_token": _encode(sandbox, access_claims),
        "expires_in": ACCESS_TOKEN_SECONDS,
        "token_type": "Bearer",
    }
    if "openid" in scopes:
        first, _, last = user.name.partition(" ")
        id_claims = {
            "nbf": ts,
            "exp": ts + ID_TOKEN_SECONDS,
            "iss": issuer(sandbox),
            "aud": client_id,
            "iat": ts,
            "auth_time": ts,
            "sub": user.sub,
            "idp": "Xero",
            "xero_userid": user.xero_userid,
            "global_session_id": session,
            "sid": session,
            "at_hash": _at_hash(response["access_token"]),
        }
        if nonce:
            id_claims["nonce"] = nonce
        if "email" in scopes:
            id_claims["email"] = user.email
            id_claims["preferred_username"] = user.email
        if "profile" in scopes:
            id_claims["given_name"] = first
            id_claims["family_name"] = last
            id_claims["name"] = user.name
        response = {"id_token": _encode(sandbox, id_claims), **response}
    if "offline_access" in scopes:
        refresh = RefreshToken(
            token=secrets.token_hex(32),
            chain_id=chain_id,
            client_id=client_id,
            user_email=user.email,
            scopes=scopes,
            auth_event_id=auth_event_id,
            issued=now.timestamp(),
            pkce=pkce,
        )
        sandbox.refresh_token_add(refresh)
        response["refresh_token"] = refresh.token
    response["scope"] = " ".join(scopes)
    return response


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _pkce_ok(code: AuthCode, verifier: str | None) -> bool:
    if not code.code_challenge:
        return True
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return secrets.compare_digest(expected, code.code_challenge)


def _refresh_allowed(refresh: RefreshToken, *, now: float) -> bool:
    """Xero's rotation: a refresh token works once, plus one retry within the grace period of its first use.

    Counts the use when it is allowed. An unused token expires REFRESH_TOKEN_IDLE after it was issued.
    """
    if refresh.revoked:
        return False
    if refresh.first_used is None:
        if refresh.issued + REFRESH_TOKEN_IDLE.total_seconds() < now:
            return False
        refresh.first_used = now
    elif refresh.uses >= 2 or refresh.first_used + REFRESH_GRACE.total_seconds() < now:
        return False
    refresh.uses += 1
    return True


def token(sandbox: Sandbox, request: Request) -> Response:
    """POST /identity/connect/token: authorization_code and refresh_token grants."""
    form = request.form()
    client_id, client_secret, used_basic = _client_credentials(request, form)
    invalid_client = _oauth_error("invalid_client", status=401 if used_basic else 400)
    app = sandbox.apps.get(client_id or "")
    if app is None:
        return invalid_client
    if client_secret and not secrets.compare_digest(client_secret, app.client_secret):
        return invalid_client
    grant_type = form.get("grant_type")
    now = sandbox.now().timestamp()
    if grant_type == "authorization_code":
        code = sandbox.codes.get(form.get("code") or "")
        if code is None or code.used or code.expires < now or code.client_id != app.client_id:
            return _oauth_error("invalid_grant")
        if not client_secret and app.client_secret and not code.code_challenge:
            return invalid_client
        if form.get("redirect_uri") != code.redirect_uri or not _pkce_ok(code, form.get("code_verifier")):
            return _oauth_error("invalid_grant")
        if not sandbox.code_mark_used(code.code):
            return _oauth_error("invalid_grant")  # a concurrent exchange of the same code won
        user = sandbox.users.get(code.user_email)
        if user is None:
            return _oauth_error("invalid_grant")
        body = _issue_tokens(
            sandbox,
            client_id=app.client_id,
            user=user,
            scopes=code.scopes,
            auth_event_id=code.auth_event_id,
            chain_id=uuid.uuid4().hex,
            pkce=bool(code.code_challenge),
            nonce=code.nonce,
        )
        return json_response(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    if grant_type == "refresh_token":
        refresh = sandbox.refresh_tokens.get(form.get("refresh_token") or "")
        if refresh is None or refresh.client_id != app.client_id:
            return _oauth_error("invalid_grant")
        if not client_secret and app.client_secret and not refresh.pkce:
            return invalid_client
        if not sandbox.refresh_token_use(refresh.token, functools.partial(_refresh_allowed, now=now)):
            return _oauth_error("invalid_grant")
        user = sandbox.users.get(refresh.user_email)
        if user is None:
            return _oauth_error("invalid_grant")
        body = _issue_tokens(
            sandbox,
            client_id=app.client_id,
            user=user,
            scopes=refresh.scopes,
            auth_event_id=refresh.auth_event_id,
            chain_id=refresh.chain_id,
            pkce=refresh.pkce,
            nonce=None,
        )
        return json_response(200, body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    return _oauth_error("unsupported_grant_type")


def revocation(sandbox: Sandbox, request: Request) -> Response:
    """POST /identity/connect/revocation: revoke the refresh-token chain and the user's connections to the app."""
    form = request.form()
    client_id, client_secret, used_basic = _client_credentials(request, form)
    app = sandbox.apps.get(client_id or "")
    if app is None or (app.client_secret and not secrets.compare_digest(client_secret or "", app.client_secret)):
        return _oauth_error("invalid_client", status=401 if used_basic else 400)
    sandbox.refresh_chain_revoke(form.get("token") or "", client_id=app.client_id)
    return Response(status=200, headers={"Content-Type": "text/plain"})


def openid_configuration(sandbox: Sandbox) -> dict:
    base = sandbox.base_url
    return {
        "issuer": issuer(sandbox),
        "jwks_uri": f"{base}/identity/.well-known/openid-configuration/jwks",
        "authorization_endpoint": f"{base}/login/identity/connect/authorize",
        "token_endpoint": f"{base}/identity/connect/token",
        "userinfo_endpoint": f"{base}/identity/connect/userinfo",
        "revocation_endpoint": f"{base}/identity/connect/revocation",
        "scopes_supported": sorted(KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
    }


def userinfo(sandbox: Sandbox, request: Request) -> Response:
    caller = authenticate(sandbox, request)
    if isinstance(caller, Response):
        return caller
    first, _, last = caller.user.name.partition(" ")
    return json_response(
        200,
        {
            "sub": caller.user.sub,
            "xero_userid": caller.user.xero_userid,
            "email": caller.user.email,
            "given_name": first,
            "family_name": last,
            "name": caller.user.name,
            "preferred_username": caller.user.email,
        },
    )


# ----- connections -----


def _xero_connection_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def connection_json(sandbox: Sandbox, connection: Connection) -> dict:
    tenant = sandbox.tenants.get(connection.tenant_id)
    return {
        "id": connection.id,
        "authEventId": connection.auth_event_id,
        "tenantId": connection.tenant_id,
        "tenantType": tenant.meta.tenant_type if tenant else "ORGANISATION",
        "tenantName": tenant.meta.name if tenant else None,
        "createdDateUtc": _xero_connection_date(connection.created),
        "updatedDateUtc": _xero_connection_date(connection.updated),
    }


def connections_list(sandbox: Sandbox, request: Request, caller: Caller) -> Response:
    """GET /api/connections: this user's connections to this app, optionally one consent's (authEventId)."""
    auth_event_id = request.arg("authEventId")
    connections = sandbox.connections_for(user_email=caller.user.email, client_id=caller.client_id)
    if auth_event_id:
        connections = [c for c in connections if c.auth_event_id == auth_event_id]
    connections.sort(key=lambda c: c.created)
    return json_response(200, [connection_json(sandbox, c) for c in connections])


def connection_delete(sandbox: Sandbox, caller: Caller, connection_id: str) -> Response:
    """DELETE /api/connections/{id}: disconnect one tenant."""
    if not sandbox.connection_remove(connection_id, user_email=caller.user.email, client_id=caller.client_id):
        return Response(status=404)
    return Response(status=204)
