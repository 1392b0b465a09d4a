"""The sandbox's identity emulation: consent page, token endpoint, rotation, revocation, connections, token checks."""

import jwt
import pytest
import requests

from tests.sandbox import SandboxControl, make_connected_tenant, pkce_pair, query_of

REDIRECT = "http://127.0.0.1:8000/integrations/xero/callback/"
SCOPE = "openid profile email offline_access accounting.contacts accounting.settings.read"


@pytest.fixture
def org(sandbox: SandboxControl) -> dict:
    """An app, a user allowed to connect two organisations, and those organisations."""
    uk = sandbox.create_tenant(name="Alpha Ltd")
    nz = sandbox.create_tenant(name="Beta Ltd", base_currency="NZD", timezone="Pacific/Auckland")
    sandbox.create_app(client_id="app1", client_secret="s3cret", name="Capsync", redirect_uris=[REDIRECT])
    sandbox.create_user(email="ann@example.com", password="pw", tenant_ids=[uk["tenant_id"], nz["tenant_id"]])
    return {"uk": uk["tenant_id"], "nz": nz["tenant_id"]}


def _authorize_params(**extra: str) -> dict:
    return {"response_type": "code", "client_id": "app1", "redirect_uri": REDIRECT, "scope": SCOPE, **extra}


def _code(sandbox: SandboxControl, tenant_ids: list[str], **extra) -> str:
    redirect = sandbox.authorize(
        client_id="app1",
        redirect_uri=REDIRECT,
        scope=SCOPE,
        tenant_ids=tenant_ids,
        user_email="ann@example.com",
        **extra,
    )
    return query_of(redirect)["code"]


def _tokens(sandbox: SandboxControl, tenant_ids: list[str]) -> dict:
    response = sandbox.exchange_code(
        code=_code(sandbox, tenant_ids), client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT
    )
    assert response.status_code == 200, response.text
    return response.json()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_consent_page_login_then_allow_redirects_with_code_and_state(sandbox, org):
    browser = requests.Session()
    url = sandbox.authorize_url
    page = browser.get(url, params=_authorize_params(state="xyz"), timeout=5)
    assert 'id="email"' in page.text
    assert 'id="password"' in page.text

    consent = browser.post(page.url, data={"step": "login", "email": "ann@example.com", "password": "pw"}, timeout=5)
    done = browser.post(
        consent.url,
        data={"step": "consent", "action": "allow", "tenant": [org["uk"]]},
        allow_redirects=False,
        timeout=5,
    )

    assert "Allow access" in consent.text
    assert "Alpha Ltd" in consent.text
    assert done.status_code == 302
    location = done.headers["Location"]
    assert location.startswith(REDIRECT)
    assert query_of(location)["state"] == "xyz"
    assert query_of(location)["code"]


def test_consent_page_wrong_password_shows_error(sandbox, org):
    browser = requests.Session()
    page = browser.get(sandbox.authorize_url, params=_authorize_params(), timeout=5)

    answer = browser.post(page.url, data={"step": "login", "email": "ann@example.com", "password": "nope"}, timeout=5)

    assert answer.status_code == 401
    assert "incorrect" in answer.text
    assert 'id="password"' in answer.text


def test_consent_page_second_authorize_skips_login(sandbox, org):
    browser = requests.Session()
    first = browser.get(sandbox.authorize_url, params=_authorize_params(), timeout=5)
    browser.post(first.url, data={"step": "login", "email": "ann@example.com", "password": "pw"}, timeout=5)

    second = browser.get(sandbox.authorize_url, params=_authorize_params(state="again"), timeout=5)

    assert "Allow access" in second.text
    assert 'id="password"' not in second.text


def test_consent_page_cancel_redirects_with_access_denied(sandbox, org):
    browser = requests.Session()
    page = browser.get(sandbox.authorize_url, params=_authorize_params(state="s1"), timeout=5)
    consent = browser.post(page.url, data={"step": "login", "email": "ann@example.com", "password": "pw"}, timeout=5)

    done = browser.post(consent.url, data={"step": "consent", "action": "deny"}, allow_redirects=False, timeout=5)

    assert query_of(done.headers["Location"]) == {"error": "access_denied", "state": "s1"}


def test_authorize_with_unregistered_redirect_uri_shows_error_page(sandbox, org):
    params = _authorize_params(redirect_uri="http://evil.example/callback")

    page = requests.get(sandbox.authorize_url, params=params, allow_redirects=False, timeout=5)

    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "redirect_uri" in page.text


def test_authorize_with_unknown_client_shows_error_page(sandbox, org):
    page = requests.get(
        sandbox.authorize_url, params=_authorize_params(client_id="nope"), allow_redirects=False, timeout=5
    )

    assert page.status_code == 400
    assert "Location" not in page.headers


def test_authorize_with_unknown_scope_redirects_invalid_scope(sandbox, org):
    params = _authorize_params(scope="openid accounting.everything", state="s2")

    page = requests.get(sandbox.authorize_url, params=params, allow_redirects=False, timeout=5)

    assert page.status_code == 302
    assert query_of(page.headers["Location"]) == {"error": "invalid_scope", "state": "s2"}


def test_code_exchange_returns_xero_token_response(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    assert set(token) == {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert token["expires_in"] == 1800
    assert token["token_type"] == "Bearer"
    assert token["scope"] == SCOPE


def test_code_exchange_with_pkce_and_no_secret_succeeds(sandbox, org):
    verifier, challenge = pkce_pair()
    code = _code(sandbox, [org["uk"]], code_challenge=challenge, code_challenge_method="S256")

    response = sandbox.exchange_code(
        code=code, client_id="app1", client_secret=None, redirect_uri=REDIRECT, code_verifier=verifier
    )

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_code_exchange_with_wrong_pkce_verifier_is_invalid_grant(sandbox, org):
    _, challenge = pkce_pair()
    code = _code(sandbox, [org["uk"]], code_challenge=challenge, code_challenge_method="S256")

    response = sandbox.exchange_code(
        code=code, client_id="app1", client_secret=None, redirect_uri=REDIRECT, code_verifier="x" * 50
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_exchange_without_secret_for_non_pkce_code_is_invalid_client(sandbox, org):
    code = _code(sandbox, [org["uk"]])

    response = sandbox.exchange_code(code=code, client_id="app1", client_secret=None, redirect_uri=REDIRECT)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}


def test_code_reused_is_invalid_grant(sandbox, org):
    code = _code(sandbox, [org["uk"]])
    first = sandbox.exchange_code(code=code, client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT)

    second = sandbox.exchange_code(code=code, client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_code_with_different_redirect_uri_is_invalid_grant(sandbox, org):
    code = _code(sandbox, [org["uk"]])

    response = sandbox.exchange_code(
        code=code, client_id="app1", client_secret="s3cret", redirect_uri="http://127.0.0.1:8000/other/"
    )

    assert response.json()["error"] == "invalid_grant"


def test_code_expires_after_five_minutes(sandbox, org):
    code = _code(sandbox, [org["uk"]])
    sandbox.clock_advance(301)

    response = sandbox.exchange_code(code=code, client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT)

    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_with_basic_auth_is_invalid_client_401(sandbox, org):
    code = _code(sandbox, [org["uk"]])

    response = sandbox.exchange_code(code=code, client_id="app1", client_secret="wrong", redirect_uri=REDIRECT)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


def test_unsupported_grant_type(sandbox, org):
    response = requests.post(
        sandbox.token_url, data={"grant_type": "client_credentials"}, auth=("app1", "s3cret"), timeout=5
    )

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_refresh_rotates_the_refresh_token(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    refreshed = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != token["refresh_token"]
    assert refreshed.json()["access_token"] != token["access_token"]


def test_refresh_accepts_client_credentials_in_form_body_like_the_sdk(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    response = requests.post(
        sandbox.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": "app1",
            "client_secret": "s3cret",
            "scope": SCOPE,
        },
        timeout=5,
    )

    assert response.status_code == 200


def test_previous_refresh_token_works_again_within_grace_period(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")
    sandbox.clock_advance(29 * 60)

    retried = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert retried.status_code == 200
    assert retried.json()["refresh_token"]


def test_previous_refresh_token_refused_after_grace_period(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")
    sandbox.clock_advance(31 * 60)

    retried = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert retried.status_code == 400
    assert retried.json()["error"] == "invalid_grant"


def test_refresh_token_used_a_third_time_is_refused(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    for _ in range(2):
        sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    third = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert third.json()["error"] == "invalid_grant"


def test_unused_refresh_token_expires_after_60_days(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    sandbox.clock_advance(60 * 86400 + 1)

    response = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert response.json()["error"] == "invalid_grant"


def test_no_refresh_token_without_offline_access(sandbox, org):
    redirect = sandbox.authorize(
        client_id="app1", redirect_uri=REDIRECT, scope="accounting.contacts", tenant_ids=[org["uk"]]
    )

    response = sandbox.exchange_code(
        code=query_of(redirect)["code"], client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT
    )

    assert "refresh_token" not in response.json()
    assert "id_token" not in response.json()


def test_access_token_is_an_rs256_jwt_signed_by_the_jwks_key(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    jwks = requests.get(f"{sandbox.identity_url}/.well-known/openid-configuration/jwks", timeout=5).json()
    key = jwt.PyJWK(jwks["keys"][0]).key

    claims = jwt.decode(token["access_token"], key, algorithms=["RS256"], options={"verify_aud": False})

    assert claims["exp"] - claims["nbf"] == 1800
    assert claims["client_id"] == "app1"
    assert claims["iss"] == sandbox.identity_url
    assert claims["scope"] == SCOPE.split()
    assert {"sub", "auth_time", "xero_userid", "global_session_id", "jti", "authentication_event_id"} <= set(claims)


def test_id_token_carries_the_users_email(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    claims = jwt.decode(token["id_token"], options={"verify_signature": False})

    assert claims["email"] == "ann@example.com"
    assert claims["aud"] == "app1"


def test_openid_configuration_points_at_the_sandbox(sandbox):
    config = requests.get(f"{sandbox.identity_url}/.well-known/openid-configuration", timeout=5).json()

    assert config["token_endpoint"] == sandbox.token_url
    assert config["authorization_endpoint"] == sandbox.authorize_url


def test_access_token_expired_after_1800_seconds_gives_401_token_expired(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    sandbox.clock_advance(1801)

    response = sandbox.api("GET", "Organisation", access_token=token["access_token"], tenant_id=org["uk"])

    assert response.status_code == 401
    body = response.json()
    assert body["Title"] == "Unauthorized"
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    assert "WWW-Authenticate" in response.headers


def test_garbage_access_token_is_authentication_unsuccessful(sandbox, org):
    response = sandbox.api("GET", "Organisation", access_token="not-a-jwt", tenant_id=org["uk"])

    assert response.status_code == 401
    assert response.json()["Detail"] == "AuthenticationUnsuccessful"


def test_connections_list_the_consented_tenants(sandbox, org):
    token = _tokens(sandbox, [org["uk"], org["nz"]])

    connections = requests.get(
        f"{sandbox.api_url}/connections", headers=_bearer(token["access_token"]), timeout=5
    ).json()

    assert {c["tenantName"] for c in connections} == {"Alpha Ltd", "Beta Ltd"}
    assert set(connections[0]) == {
        "id",
        "authEventId",
        "tenantId",
        "tenantType",
        "tenantName",
        "createdDateUtc",
        "updatedDateUtc",
    }
    assert len(connections[0]["createdDateUtc"].split(".")[1]) == 7


def test_connections_filtered_by_auth_event_id(sandbox, org):
    _tokens(sandbox, [org["uk"]])
    token = _tokens(sandbox, [org["nz"]])
    auth_event_id = jwt.decode(token["access_token"], options={"verify_signature": False})["authentication_event_id"]

    connections = requests.get(
        f"{sandbox.api_url}/Connections",
        params={"authEventId": auth_event_id},
        headers=_bearer(token["access_token"]),
        timeout=5,
    ).json()

    assert [c["tenantId"] for c in connections] == [org["nz"]]


def test_reconsent_keeps_the_connection_id(sandbox, org):
    first = _tokens(sandbox, [org["uk"]])
    before = requests.get(f"{sandbox.api_url}/connections", headers=_bearer(first["access_token"]), timeout=5).json()

    second = _tokens(sandbox, [org["uk"]])
    after = requests.get(f"{sandbox.api_url}/connections", headers=_bearer(second["access_token"]), timeout=5).json()

    assert [c["id"] for c in after] == [c["id"] for c in before]
    assert after[0]["authEventId"] != before[0]["authEventId"]


def test_delete_connection_then_that_tenant_is_forbidden(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])
    headers = _bearer(token["access_token"])
    connection = requests.get(f"{sandbox.api_url}/connections", headers=headers, timeout=5).json()[0]

    deleted = requests.delete(f"{sandbox.api_url}/connections/{connection['id']}", headers=headers, timeout=5)
    after = sandbox.api("GET", "Organisation", access_token=token["access_token"], tenant_id=org["uk"])

    assert deleted.status_code == 204
    assert after.status_code == 403
    assert after.json()["Detail"] == "AuthenticationUnsuccessful"


def test_delete_unknown_connection_is_404(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    response = requests.delete(
        f"{sandbox.api_url}/connections/00000000-0000-0000-0000-000000000000",
        headers=_bearer(token["access_token"]),
        timeout=5,
    )

    assert response.status_code == 404


def test_missing_tenant_header_is_forbidden(sandbox, org):
    token = _tokens(sandbox, [org["uk"]])

    response = sandbox.api("GET", "Organisation", access_token=token["access_token"], tenant_id=None)

    assert response.status_code == 403
    assert response.json()["Title"] == "Forbidden"


def test_call_without_the_required_scope_is_authorization_unsuccessful(sandbox):
    tenant = make_connected_tenant(sandbox, scope="offline_access accounting.settings.read")

    response = sandbox.api("GET", "Contacts", access_token=tenant.access_token, tenant_id=tenant.tenant_id)

    assert response.status_code == 401
    assert response.json()["Detail"] == "AuthorizationUnsuccessful"


def test_revocation_removes_connections_and_kills_the_refresh_token(sandbox, org):
    token = _tokens(sandbox, [org["uk"], org["nz"]])

    revoked = requests.post(
        sandbox.revocation_url, data={"token": token["refresh_token"]}, auth=("app1", "s3cret"), timeout=5
    )
    connections = requests.get(f"{sandbox.api_url}/connections", headers=_bearer(token["access_token"]), timeout=5)
    refreshed = sandbox.refresh(refresh_token=token["refresh_token"], client_id="app1", client_secret="s3cret")

    assert revoked.status_code == 200
    assert connections.json() == []
    assert refreshed.json()["error"] == "invalid_grant"


def test_pkce_client_refreshes_with_client_id_only(sandbox, org):
    verifier, challenge = pkce_pair()
    code = _code(sandbox, [org["uk"]], code_challenge=challenge, code_challenge_method="S256")
    token = sandbox.exchange_code(
        code=code, client_id="app1", client_secret=None, redirect_uri=REDIRECT, code_verifier=verifier
    ).json()

    response = requests.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "app1"},
        timeout=5,
    )

    assert response.status_code == 200


def test_scopes_add_up_across_consents(sandbox, org):
    sandbox.authorize(
        client_id="app1",
        redirect_uri=REDIRECT,
        scope="accounting.contacts",
        tenant_ids=[org["uk"]],
        user_email="ann@example.com",
    )
    redirect = sandbox.authorize(
        client_id="app1",
        redirect_uri=REDIRECT,
        scope="offline_access accounting.settings.read",
        tenant_ids=[org["uk"]],
        user_email="ann@example.com",
    )

    token = sandbox.exchange_code(
        code=query_of(redirect)["code"], client_id="app1", client_secret="s3cret", redirect_uri=REDIRECT
    ).json()

    assert token["scope"].split() == ["accounting.contacts", "offline_access", "accounting.settings.read"]
