"""The trends dashboard (employer × case type × outcome over time) and its CSV export; beside the
casework trends, the issues raised in recruitment conversations of one campaign, as organising's
results API answers them for the viewer (casework_portal.issues_raised)."""

from __future__ import annotations

from flask import Response, render_template, request

from casework_common.auth import Principal
from casework_common.typed_dates import london_today
from casework_portal import issues_raised
from casework_portal.pages import bp, signed_in, site

# Trend API parameters the trends page passes through (the API validates them).
TREND_PARAMS = ("level", "period", "employer", "case_type", "opened_from", "opened_to")


def chosen() -> dict[str, list[str]]:
    return {k: request.args.getlist(k) for k in TREND_PARAMS if request.args.getlist(k)}


@bp.get("/trends")
@signed_in
def trends(caller: Principal) -> str:
    params = chosen()
    counted = site().api(caller).get(site().search("/v1/trends"), **params)
    top = max((b["count"] for b in counted["buckets"]), default=0)
    raised = None
    if issues_raised.shown_to(caller.has):
        backend = site().api(caller)
        raised = issues_raised.gather(
            lambda path: backend.get(site().organising(path)), request.args.get("campaign"), london_today()
        )
    return render_template("trends.html", user=caller, trends=counted, top=top, params=params, raised=raised)


@bp.get("/trends.csv")
@signed_in
def trends_csv(caller: Principal) -> Response:
    text = site().api(caller).get_text(site().search("/v1/trends"), **chosen(), format="csv")
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="casework-trends.csv"'}
    )
