"""The trends dashboard (employer × case type × outcome over time) and its CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from casework_common.auth import Principal
from casework_portal.pages import Pages

# Trend API parameters the trends page passes through (the API validates them).
TREND_PARAMS = ("level", "period", "employer", "case_type", "opened_from", "opened_to")


def register(bp: Blueprint, pages: Pages) -> None:
    signed_in = pages.signed_in

    def chosen() -> dict[str, list[str]]:
        return {k: request.args.getlist(k) for k in TREND_PARAMS if request.args.getlist(k)}

    @bp.get("/trends")
    @signed_in
    def trends(user: Principal) -> str:
        params = chosen()
        counted = pages.api(user).get(pages.search("/v1/trends"), **params)
        top = max((b["count"] for b in counted["buckets"]), default=0)
        return render_template("trends.html", user=user, trends=counted, top=top, params=params)

    @bp.get("/trends.csv")
    @signed_in
    def trends_csv(user: Principal) -> Response:
        text = pages.api(user).get_text(pages.search("/v1/trends"), **chosen(), format="csv")
        return Response(
            text, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="casework-trends.csv"'}
        )
