"""The trends dashboard (employer × case type × outcome over time) and its CSV export."""

from __future__ import annotations

from flask import Response, render_template, request

from casework_common.auth import Principal
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
    return render_template("trends.html", user=caller, trends=counted, top=top, params=params)


@bp.get("/trends.csv")
@signed_in
def trends_csv(caller: Principal) -> Response:
    text = site().api(caller).get_text(site().search("/v1/trends"), **chosen(), format="csv")
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="casework-trends.csv"'}
    )
