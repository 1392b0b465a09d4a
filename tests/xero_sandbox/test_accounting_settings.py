import pytest

from xero_sandbox.accounting import required_scopes


def test_organisation_is_wrapped_in_an_array(api):
    result = api.get("Organisation")

    organisation = result.body["Organisations"][0]
    assert (organisation["Name"], organisation["BaseCurrency"], organisation["Timezone"]) == (
        "Test Org",
        "GBP",
        "GMTSTANDARDTIME",
    )
    assert organisation["Version"] == "UK"


def test_post_organisation_is_not_implemented(api):
    result = api.post("Organisation", {})

    assert result.status == 501
    assert result.body["Type"] == "ApiMethodNotImplementedException"


def test_currencies_start_with_the_base_currency(api):
    result = api.get("Currencies")

    assert result.body["Currencies"] == [{"Code": "GBP", "Description": "British Pound"}]


def test_put_currency_enables_it(api):
    result = api.put("Currencies", {"Code": "USD"})

    assert result.body["Currencies"] == [{"Code": "USD", "Description": "United States Dollar"}]
    assert [c["Code"] for c in api.get("Currencies").body["Currencies"]] == ["GBP", "USD"]


def test_unknown_resource_is_404(api):
    result = api.get("BankTransfers")

    assert result.status == 404


@pytest.mark.parametrize(
    ("method", "resource", "expected"),
    [
        ("GET", "Contacts", {"accounting.contacts", "accounting.contacts.read"}),
        ("POST", "Contacts", {"accounting.contacts"}),
        (
            "GET",
            "Invoices",
            {
                "accounting.invoices",
                "accounting.invoices.read",
                "accounting.transactions",
                "accounting.transactions.read",
            },
        ),
        ("PUT", "Quotes", {"accounting.invoices", "accounting.transactions"}),
        ("PUT", "Payments", {"accounting.payments", "accounting.transactions"}),
        ("GET", "Organisation", {"accounting.settings", "accounting.settings.read"}),
        ("GET", "Nope", set()),
    ],
)
def test_required_scopes(method, resource, expected):
    assert required_scopes(method=method, resource=resource) == expected
