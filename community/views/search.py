"""The community's front page: one search over cases, solutions, needs and joint procurements."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dx_platform.core.pagination import paginate

from ..forms.search import SearchForm
from ..selectors.search import CANDIDATES, Filters, search


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters = form.filters() if form.is_valid() else Filters()
    query = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    results = search(user=request.user, query=query, filters=filters)
    return render(
        request,
        "community/search.html",
        {
            "form": form,
            "query": query,
            "page": paginate(request, results.entries, per_page=20),
            "capped": results.capped,
            "cap": f"{CANDIDATES:,}",
        },
        status=200 if not form.is_bound or form.is_valid() else 400,
    )
