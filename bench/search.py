"""The header search at benchmark size (issue 15): a few realistic queries against the synced organisation, timed
as the HTMX dropdown partial alongside the pages of bench/pages.py.

The sandbox's generated contacts have no phone numbers, so `search_setup` gives each of the team's contacts one
(formatted as people type them) before the queries are chosen from the data itself.
"""

from django.db import connection
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from contacts.models import Contact, EmailAddress, PhoneNumber
from invoices.models import Invoice


def search_setup(*, team_id: int) -> None:
    """One phone number for each of the team's contacts that has none ("01632 000042": Ofcom's drama range), then
    fresh planner statistics for the whole database.

    Autovacuum would gather those statistics for the big tables within a minute or so of the sync's bulk writes,
    but the bench runs sooner (and the PostgreSQL here runs with autovacuum off). Without them the planner believes
    the contacts are few and walks 100,000 invoices contact by contact, several times slower than the trigram
    index. The small tables (teams and their members) matter as much: never analysed, PostgreSQL assumes about 300
    rows where there are a handful, so only a whole-database ANALYZE gives realistic plans.
    """
    without = Contact.objects.filter(team_id=team_id, phones__isnull=True).values_list("pk", flat=True)
    PhoneNumber.objects.bulk_create(PhoneNumber(contact_id=pk, number=f"01632 {pk:06d}") for pk in without)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def search_pages(*, member: User) -> list[tuple[str, str, bool]]:
    """(name, URL, HTMX?) of the dropdown for a name prefix, an email fragment, an email domain, a phone fragment,
    an invoice number and a misspelt name, each taken from the member's own contacts and invoices."""
    contacts = Contact.objects.filter(team__members=member).order_by("pk")
    middle = contacts[contacts.count() // 2]
    email = EmailAddress.objects.filter(contact__in=contacts).order_by("pk").values_list("address", flat=True)[7]
    phone = PhoneNumber.objects.filter(contact=middle).values_list("number", flat=True).first() or "01632 000001"
    invoices = Invoice.objects.filter(contact__in=contacts).exclude(number="").order_by("pk")
    number = invoices.values_list("number", flat=True)[invoices.count() // 2]
    first_word = middle.name.split()[0]
    queries = [
        ("name prefix", first_word[:4]),
        ("email fragment", email.split("@")[0][:10]),
        ("email domain", email.split("@")[-1]),  # in many addresses: the search must stop at a dropdown's worth
        ("phone fragment", phone[3:10]),
        ("invoice number", number),
        ("misspelt name", first_word[:3] + first_word[2:]),  # "Kesstrel" (a doubled letter) finds "Kestrel"
    ]
    url = reverse("search:results")
    return [
        (f"Search dropdown (HTMX), {what} “{query}”", f"{url}?{urlencode({'q': query})}", True)
        for what, query in queries
    ]
