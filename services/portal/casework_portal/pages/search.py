"""The search page (facets, filters, highlights) and saving a comparator to a case."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from casework_common.auth import Principal
from casework_portal.backend import ApiError
from casework_portal.pages import bp, signed_in, site

# Filters the search page offers, as facets, in this order, with their headings.
FACET_TITLES = {
    "case": "Case",
    "employer": "Employer",
    "case_type": "Case type",
    "kinds": "Kind of document",
    "doc_type": "File type",
    "branch": "Branch",
    "region": "Region",
}
# Search API parameters the search page passes through (the API validates them).
SEARCH_PARAMS = (
    "case_id",
    "employer",
    "case_type",
    "kind",
    "document_from",
    "document_to",
    "doc_type",
    "branch",
    "region",
    "sort",
    "cursor",
)
# The search parameter each facet's checkboxes set, where it is not the facet's own name.
FACET_PARAMS = {"case": "case_id", "kinds": "kind"}


@bp.get("/search")
@signed_in
def search(caller: Principal) -> Any:
    query = request.args.get("q", "").strip()
    # Blank fields (an empty date box) are left out rather than sent as empty values.
    params = {k: [v for v in request.args.getlist(k) if v.strip()] for k in SEARCH_PARAMS}
    params = {k: v for k, v in params.items() if v}
    results, problem = None, None
    if query:
        try:
            results = site().api(caller).get(site().search("/v1/search"), **{**params, "q": query})
        except ApiError as error:
            if error.status not in (400, 422):
                raise
            problem = error.message
    if results:
        for item in results["items"]:
            # Fragments are HTML-escaped by the search service; only <mark> is markup.
            item["highlights"] = [Markup(fragment) for fragment in item["highlights"]]  # noqa: S704
    return render_template(
        "search.html",
        user=caller,
        query=query,
        results=results,
        problem=problem,
        chosen={k: set(v) for k, v in params.items()},
        facet_titles=FACET_TITLES,
        facet_params=FACET_PARAMS,
        next_url=url_for("pages.search", **{**params, "q": query, "cursor": results["next_cursor"]})
        if results and results["next_cursor"]
        else None,
    )


@bp.post("/cases/<case_id>/comparators")
@signed_in
def save_comparator(caller: Principal, case_id: str) -> Response:
    site().api(caller).post_json(
        site().search(f"/v1/cases/{case_id}/comparators"), {"key": request.form.get("key", "")}
    )
    flash("Comparator saved to the timeline (reps only).")
    return redirect(url_for("pages.case", case_id=case_id) + "#comparators")
