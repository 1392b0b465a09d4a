"""The catalogue invoices are built from: Items, Accounts, TaxRates, TrackingCategories, BrandingThemes and payment
terms, as the demo organisation seeds them and as every new organisation starts."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.xero_sandbox.accounting_api import Api, new_tenant
from xero_sandbox import seed
from xero_sandbox.accounting import organisation_record

TODAY = date(2026, 3, 2)


@pytest.fixture
def demo() -> Api:
    organisation = organisation_record(
        tenant_id="9d1c0000-0000-4000-8000-000000000001",
        name="Demo Company (UK)",
        base_currency="GBP",
        short_code="!aB3cD",
        timezone="Europe/London",
        country_code="GB",
        created=datetime(2025, 1, 1, tzinfo=UTC),
    )
    data = seed.demo_tenant_data(which="uk", tenant_id="t-uk", organisation=organisation, today=TODAY)
    return Api(data=data, now=datetime(2026, 3, 2, 12, tzinfo=UTC))


def test_items_list_the_demo_catalogue_in_code_order(demo):
    items = demo.get("Items").body["Items"]

    assert [item["Code"] for item in items] == [
        "API-1K",
        "CONSULT-DAY",
        "HANDBOOK",
        "OLD-KIT",
        "SUPPORT-MONTH",
        "TRAVEL",
        "WIDGET",
        "WORKSHOP",
    ]
    consulting = next(item for item in items if item["Code"] == "CONSULT-DAY")
    assert consulting["SalesDetails"] == {"UnitPrice": Decimal("850.00"), "AccountCode": "210", "TaxType": "OUTPUT2"}
    assert consulting["IsTrackedAsInventory"] is False


def test_a_tracked_item_carries_its_inventory_accounts(demo):
    widget = demo.get("Items/WIDGET").body["Items"][0]

    assert widget["IsTrackedAsInventory"] is True
    assert (widget["InventoryAssetAccountCode"], widget["PurchaseDetails"]["COGSAccountCode"]) == ("630", "310")
    assert widget["QuantityOnHand"] == 140


def test_one_item_by_id_or_by_code(demo):
    by_code = demo.get("Items/WORKSHOP").body["Items"][0]

    by_id = demo.get(f"Items/{by_code['ItemID']}").body["Items"][0]

    assert by_id == by_code
    assert demo.get("Items/NO-SUCH-ITEM").status == 404


def test_unit_prices_are_rounded_to_two_places_unless_unitdp_4(demo):
    assert demo.get("Items/API-1K").body["Items"][0]["SalesDetails"]["UnitPrice"] == Decimal("0.41")
    assert demo.get("Items/API-1K", query={"unitdp": "4"}).body["Items"][0]["SalesDetails"]["UnitPrice"] == Decimal(
        "0.4125"
    )


def test_items_where_and_order(demo):
    result = demo.get("Items", query={"where": 'SalesDetails.AccountCode=="230"', "order": "Code DESC"})

    assert [item["Code"] for item in result.body["Items"]] == ["SUPPORT-MONTH", "API-1K"]


def test_items_if_modified_since_keeps_later_changes_only(demo):
    assert demo.get("Items", headers={"if-modified-since": "2026-03-01T00:00:00Z"}).body["Items"] == []
    assert len(demo.get("Items", headers={"if-modified-since": "2020-01-01T00:00:00Z"}).body["Items"]) == 8


def test_accounts_include_revenue_accounts_and_an_archived_one(demo):
    accounts = demo.get("Accounts", query={"where": 'Type=="REVENUE"'}).body["Accounts"]

    assert [(a["Code"], a["Status"]) for a in accounts] == [
        ("200", "ACTIVE"),
        ("210", "ACTIVE"),
        ("220", "ACTIVE"),
        ("230", "ACTIVE"),
        ("240", "ACTIVE"),
        ("250", "ARCHIVED"),
        ("260", "ACTIVE"),
        ("270", "ACTIVE"),
    ]
    assert {a["Class"] for a in accounts} == {"REVENUE"}


def test_one_account_by_id(demo):
    sales = demo.get("Accounts", query={"where": 'Code=="200"'}).body["Accounts"][0]

    assert demo.get(f"Accounts/{sales['AccountID']}").body["Accounts"][0]["Name"] == "Sales"
    assert demo.get("Accounts/00000000-0000-0000-0000-000000000000").status == 404


def test_uk_tax_rates_and_one_by_tax_type(demo):
    rates = {rate["TaxType"]: rate for rate in demo.get("TaxRates").body["TaxRates"]}

    assert rates["OUTPUT2"]["EffectiveRate"] == 20
    assert rates["OUTPUT2"]["Name"] == "20% (VAT on Income)"
    assert {"INPUT2", "ZERORATEDOUTPUT", "EXEMPTOUTPUT", "NONE"} <= set(rates)
    assert demo.get("TaxRates/ZERORATEDOUTPUT").body["TaxRates"][0]["EffectiveRate"] == 0
    assert demo.get("TaxRates/NOPE").status == 404


def test_nz_organisation_has_gst_rates():
    nz = Api(data=new_tenant(base_currency="NZD", country_code="NZ", timezone="Pacific/Auckland"))

    rates = nz.get("TaxRates", query={"where": 'TaxType=="OUTPUT2"'}).body["TaxRates"]

    assert [(rate["Name"], rate["EffectiveRate"]) for rate in rates] == [("15% GST on Income", 15)]


def test_tracking_categories_hide_archived_ones_unless_asked(demo):
    active = demo.get("TrackingCategories").body["TrackingCategories"]
    everything = demo.get("TrackingCategories", query={"includeArchived": "true"}).body["TrackingCategories"]

    assert [(c["Name"], [o["Name"] for o in c["Options"]]) for c in active] == [
        ("Department", ["Consulting", "Training", "Support"]),
        ("Region", ["North", "South", "London"]),
    ]
    region = next(c for c in everything if c["Name"] == "Region")
    assert [(o["Name"], o["Status"]) for o in region["Options"]][-1] == ("Scotland", "ARCHIVED")
    assert [c["Name"] for c in everything] == ["Campaign 2024", "Department", "Region"]


def test_one_tracking_category_shows_its_archived_options(demo):
    region = next(c for c in demo.get("TrackingCategories").body["TrackingCategories"] if c["Name"] == "Region")

    one = demo.get(f"TrackingCategories/{region['TrackingCategoryID']}").body["TrackingCategories"][0]

    assert [o["Name"] for o in one["Options"]] == ["North", "South", "London", "Scotland"]


def test_branding_themes_start_with_standard(demo):
    themes = demo.get("BrandingThemes").body["BrandingThemes"]

    assert [(t["Name"], t["SortOrder"]) for t in themes] == [("Standard", 0), ("Special projects", 1)]
    assert demo.get(f"BrandingThemes/{themes[1]['BrandingThemeID']}").body["BrandingThemes"][0]["Name"] == (
        "Special projects"
    )


def test_a_new_organisation_has_the_default_catalogue(api):
    assert api.get("Items").body["Items"] == []
    assert api.get("TrackingCategories").body["TrackingCategories"] == []
    assert [t["Name"] for t in api.get("BrandingThemes").body["BrandingThemes"]] == ["Standard"]
    assert "200" in {a["Code"] for a in api.get("Accounts").body["Accounts"]}
    assert api.get("Organisation").body["Organisations"][0]["PaymentTerms"] == {}


def test_organisation_and_contacts_carry_payment_terms(demo):
    organisation = demo.get("Organisation").body["Organisations"][0]
    acme = demo.get("Contacts/ACME-001").body["Contacts"][0]

    assert organisation["PaymentTerms"]["Sales"] == {"Day": 20, "Type": "OFFOLLOWINGMONTH"}
    assert acme["PaymentTerms"] == {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}}


def test_contact_payment_terms_are_writable(api):
    terms = {"Sales": {"Day": 10, "Type": "OFFOLLOWINGMONTH"}, "Bills": {"Day": 45, "Type": "DAYSAFTERBILLDATE"}}
    contact = api.contact("Termed Ltd")

    result = api.post(f"Contacts/{contact['ContactID']}", {"Contacts": [{"PaymentTerms": terms}]})

    assert result.status == 200
    assert api.get(f"Contacts/{contact['ContactID']}").body["Contacts"][0]["PaymentTerms"] == terms


@pytest.mark.parametrize(
    "terms",
    [
        {"Sales": {"Day": 10, "Type": "NEXTWEEK"}},
        {"Sales": {"Day": 32, "Type": "OFFOLLOWINGMONTH"}},
        {"Sales": {"Day": -1, "Type": "DAYSAFTERBILLDATE"}},
        {"Sales": {"Day": "ten", "Type": "DAYSAFTERBILLDATE"}},
        {"Weekly": {"Day": 1, "Type": "DAYSAFTERBILLDATE"}},
        "30 days",
    ],
)
def test_broken_payment_terms_are_refused(api, terms):
    result = api.put("Contacts", {"Contacts": [{"Name": "Badly Termed Ltd", "PaymentTerms": terms}]})

    assert result.status == 400
    assert result.body["Elements"][0]["ValidationErrors"][0]["Message"].startswith("PaymentTerms")


def test_loaded_catalogue_replaces_by_code_and_adds_the_rest(api):
    api.data.load(
        {
            "Items": [{"Code": "X1", "Name": "Loaded", "SalesDetails": {"UnitPrice": 5, "AccountCode": "200"}}],
            "Accounts": [{"Code": "200", "Name": "Product Sales", "Type": "REVENUE", "TaxType": "OUTPUT2"}],
            "TrackingCategories": [{"Name": "Team", "Options": ["Red", "Blue"]}],
            "Organisation": {"PaymentTerms": {"Sales": {"Day": 7, "Type": "DAYSAFTERBILLDATE"}}},
        },
        now=api.now,
    )

    assert api.get("Items/X1").body["Items"][0]["Name"] == "Loaded"
    assert [a["Name"] for a in api.get("Accounts", query={"where": 'Code=="200"'}).body["Accounts"]] == [
        "Product Sales"
    ]
    assert api.get("TrackingCategories").body["TrackingCategories"][0]["Options"][1]["Name"] == "Blue"
    assert api.get("Organisation").body["Organisations"][0]["PaymentTerms"]["Sales"]["Day"] == 7


def test_catalogue_survives_the_state_file(demo):
    from xero_sandbox.store import TenantData

    copy = Api(data=TenantData.from_json(demo.data.to_json()), now=demo.now)

    assert copy.get("Items").body == demo.get("Items").body
    assert copy.get("TrackingCategories").body == demo.get("TrackingCategories").body
    assert copy.get("TaxRates").body == demo.get("TaxRates").body


def test_generated_organisations_get_a_small_catalogue():
    organisation = new_tenant().organisation
    data = seed.generate(tenant_id="bench", organisation=organisation, contacts=3, invoices=5, today=TODAY)

    api = Api(data=data)

    assert [item["Code"] for item in api.get("Items").body["Items"]] == ["HOUR", "LICENCE", "SETUP"]
    assert api.get("Organisation").body["Organisations"][0]["PaymentTerms"]["Sales"]["Type"] == "DAYSAFTERBILLDATE"


# --- item writes -----------------------------------------------------------------------------------------------


def _item(**fields) -> dict:
    return {"Code": "HOUR", "Name": "Hour", "SalesDetails": {"UnitPrice": "95.125", "AccountCode": "200"}, **fields}


def test_put_creates_an_item_that_invoices_can_use(api):
    created = api.put("Items", {"Items": [_item()]}).body["Items"][0]
    contact_id = api.contact("Item User Ltd")["ContactID"]

    invoice = api.put(
        "Invoices",
        {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [{"ItemCode": "HOUR"}]}]},
    ).body["Invoices"][0]

    assert (created["IsSold"], created["IsPurchased"], created["IsTrackedAsInventory"]) == (True, True, False)
    assert created["SalesDetails"]["UnitPrice"] == Decimal("95.13")
    assert invoice["SubTotal"] == Decimal("95.13")


def test_unitdp_4_keeps_four_places_on_write(api):
    created = api.put("Items", {"Items": [_item()]}, query={"unitdp": "4"}).body["Items"][0]

    assert created["SalesDetails"]["UnitPrice"] == Decimal("95.1250")


def test_a_second_item_with_the_same_code_is_refused_but_post_updates_it(api):
    api.put("Items", {"Items": [_item()]})

    again = api.put("Items", {"Items": [_item(Name="Other")]})
    updated = api.post("Items", {"Items": [{"Code": "HOUR", "Name": "Consulting hour"}]})

    assert again.body["Elements"][0]["ValidationErrors"] == [{"Message": "Item code 'HOUR' already exists."}]
    assert updated.body["Items"][0]["Name"] == "Consulting hour"
    assert api.get("Items/HOUR").body["Items"][0]["SalesDetails"]["AccountCode"] == "200"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"SalesDetails": {"AccountCode": "999"}}, "Account code '999' does not exist or cannot be applied to items."),
        ({"SalesDetails": {"AccountCode": "090"}}, "Account code '090' does not exist or cannot be applied to items."),
        (
            {"SalesDetails": {"TaxType": "NOPE"}},
            "The TaxType code NOPE does not exist or cannot be used for this type of transaction.",
        ),
        ({"Code": "X" * 31}, "Code must not exceed 30 characters."),
        (
            {"InventoryAssetAccountCode": "630"},
            "A COGSAccountCode is required in PurchaseDetails for a tracked item.",
        ),
        (
            {"InventoryAssetAccountCode": "200", "PurchaseDetails": {"COGSAccountCode": "310"}},
            "Account code '200' does not exist or cannot be applied to items.",
        ),
    ],
)
def test_broken_items_are_refused(api, fields, message):
    result = api.put("Items", {"Items": [_item(**fields)]})

    assert result.status == 400
    assert {"Message": message} in result.body["Elements"][0]["ValidationErrors"]
    assert api.get("Items").body["Items"] == []


def test_a_tracked_item_and_a_sold_only_item(api):
    tracked = _item(
        Code="WIDGET", InventoryAssetAccountCode="630", PurchaseDetails={"COGSAccountCode": "310", "UnitPrice": 11}
    )
    sold_only = _item(Code="SERVICE", IsPurchased=False, PurchaseDescription="never bought")

    result = api.put("Items", {"Items": [tracked, sold_only]}).body["Items"]

    assert result[0]["IsTrackedAsInventory"] is True
    assert (result[1]["PurchaseDetails"], "PurchaseDescription" in result[1]) == ({}, False)


def test_post_by_code_in_the_path_updates_the_item(api):
    api.put("Items", {"Items": [_item()]})

    result = api.post("Items/HOUR", {"Items": [{"IsSold": False}]})

    assert (result.body["Items"][0]["IsSold"], result.body["Items"][0]["SalesDetails"]) == (False, {})
    assert api.post("Items/NOPE", {"Items": [{"Name": "x"}]}).status == 404
