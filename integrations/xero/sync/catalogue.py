"""The organisation's catalogue, read in each sync for invoice lines: Items, revenue Accounts, TaxRates,
TrackingCategories, and the organisation's sales payment terms (GET /Organisation).

Call budget (docs/xero.md, "The catalogue"): Items take If-Modified-Since, so every incremental sync asks for the
items changed since the last one: one call, usually answered with none. The rest (accounts, tax rates, tracking,
the organisation's terms) change rarely and three of the four take no If-Modified-Since, so they are read whole,
four calls, in the first sync, in every full reconcile, and when the last whole read is older than
CATALOGUE_MAX_AGE. An idle incremental sync therefore makes four calls (three before), and a first sync five more.
"""

from datetime import timedelta

from integrations.xero import schemas
from integrations.xero.sync.context import SyncContext
from invoices import catalogue
from invoices.models import Organisation

ITEMS_CURSOR = "Items"
CATALOGUE_MAX_AGE = timedelta(days=1)
REVENUE = "REVENUE"


def _item_data(item: schemas.XeroItem) -> catalogue.ItemData:
    return catalogue.ItemData(
        xero_id=item.item_id,
        code=item.code,
        name=item.name,
        description=item.description,
        is_sold=item.is_sold,
        is_tracked_as_inventory=item.is_tracked_as_inventory,
        unit_price=item.unit_price,
        account_code=item.account_code,
        tax_type=item.tax_type,
    )


def catalogue_refresh(ctx: SyncContext, *, full: bool) -> None:
    """Read what changed of the catalogue and store it. The run moves the Items cursor (ITEMS_CURSOR) when it has
    succeeded as a whole, which may be in a later slice than this step."""
    connection = ctx.connection
    organisation = Organisation.objects.get(pk=connection.organisation_id)
    now = ctx.clock()
    whole = full or organisation.catalogue_read_at is None or now - organisation.catalogue_read_at > CATALOGUE_MAX_AGE
    since = (
        None
        if whole
        else connection.cursors.filter(resource=ITEMS_CURSOR).values_list("modified_since", flat=True).first()
    )
    ctx.progress("Reading items")
    items = ctx.call(lambda: ctx.xero.items(modified_since=since))
    ctx.quarantine(resource="Item", errors=items.errors)
    ctx.server_time = ctx.server_time or items.server_time
    written = catalogue.items_store(
        organisation_id=organisation.pk,
        items=[_item_data(item) for item in items.records],
        whole=since is None and not items.errors,
    )
    ctx.add("items_read", written)
    if whole:
        ctx.progress("Reading accounts, tax rates and tracking")
        accounts = ctx.call(lambda: ctx.xero.accounts(modified_since=None))
        tax_rates = ctx.call(ctx.xero.tax_rates)
        tracking = ctx.call(ctx.xero.tracking_categories)
        details = ctx.call(ctx.xero.organisation)
        for resource, page in (("Account", accounts), ("TaxRate", tax_rates), ("TrackingCategory", tracking)):
            ctx.quarantine(resource=resource, errors=page.errors)
        catalogue.catalogue_store(
            organisation_id=organisation.pk,
            accounts=[
                catalogue.AccountData(
                    xero_id=a.account_id, code=a.code, name=a.name, status=a.status, tax_type=a.tax_type
                )
                for a in accounts.records
                if a.account_class == REVENUE and a.code
            ],
            tax_rates=[
                catalogue.TaxRateData(
                    tax_type=t.tax_type,
                    name=t.name,
                    status=t.status,
                    effective_rate=t.effective_rate,
                    can_apply_to_revenue=t.can_apply_to_revenue,
                )
                for t in tax_rates.records
            ],
            tracking_options=[
                catalogue.TrackingOptionData(
                    xero_id=option.option_id,
                    category_xero_id=category.category_id,
                    category_name=category.name,
                    name=option.name,
                    is_active=category.status == "ACTIVE" and option.status == "ACTIVE",
                )
                for category in tracking.records
                for option in category.options
            ],
            sales_terms=(details.sales_terms.day, str(details.sales_terms.type)) if details.sales_terms else None,
            now=now,
        )
