import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

PUBLIC_NAMESPACES = {"admin"}  # the admin has its own login page
PUBLIC_PREFIXES = ("account_", "mfa_")  # allauth's own pages handle anonymous users themselves
PUBLIC_URL_NAMES = {"xero:webhooks"}  # Xero calls it; a signature, not a session, says who is calling


def _our_url_names() -> list[tuple[str, int]]:
    """Every named URL of Capsync's own apps, with how many integer arguments it takes."""
    names = []

    def walk(patterns: list, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in PUBLIC_NAMESPACES or "allauth" in str(pattern.urlconf_name):
                    continue
                walk(pattern.url_patterns, f"{pattern.namespace}:" if pattern.namespace else namespace)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and not pattern.name.startswith(PUBLIC_PREFIXES)
                and namespace + pattern.name not in PUBLIC_URL_NAMES
            ):
                names.append((namespace + pattern.name, len(pattern.pattern.converters)))

    walk(get_resolver().url_patterns)
    return names


def test_there_are_pages_to_check():
    assert {"dashboard", "contacts:list", "contacts:detail", "opportunities:pipeline"} <= {
        name for name, _ in _our_url_names()
    }


@pytest.mark.parametrize(("name", "argument_count"), _our_url_names())
def test_every_page_requires_login(client, name, argument_count):
    url = reverse(name, args=[1] * argument_count)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_pages_carry_a_content_security_policy(member_client):
    response = member_client.get(reverse("dashboard"))

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy


def test_login_page_uses_email_not_username(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert 'type="email"' in response.text
    assert "username" not in response.text.lower()


def test_sign_in_with_email_reaches_dashboard(client, member):
    response = client.post(
        reverse("account_login"),
        {"login": "member@example.com", "password": "correct horse battery staple"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"] == member


def test_open_signup_is_closed_by_default(client):
    response = client.get(reverse("account_signup"))

    assert "account/signup_closed.html" in [template.name for template in response.templates]
