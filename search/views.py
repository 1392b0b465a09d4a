from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search import selectors
from web.http import HtmxHttpRequest

DROPDOWN_LIMIT = 5  # per kind, under the header box
PAGE_LIMIT = 25  # per kind, on the full results page (the box without JavaScript, or "All results")


@require_GET
def search_results(request: HtmxHttpRequest) -> HttpResponse:
    """The header box's results: the dropdown partial for HTMX, else the full results page."""
    limit = DROPDOWN_LIMIT if request.htmx else PAGE_LIMIT
    results = selectors.search_results(user=request.user, query=request.GET.get("q", ""), limit=limit)
    template = "search/results.html" + ("#search-results" if request.htmx else "")
    return render(request, template, {"results": results, "search_query": results.query})
