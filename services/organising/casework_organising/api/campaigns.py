"""The campaigns API: campaigns, branch plans, sessions, the region's highlights and material orders.

Anyone who may not use organising at all (members, caseworkers, the dpo, admin) gets 403 on every
endpoint, before anything else is looked at; what each caller may see and change within it is
casework_organising.planning's (and casework_organising.access's) decision.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from casework_common.openapi import Reply, api
from casework_common.web import dependency, parse_json, validate
from casework_organising.api.campaign_models import (
    CampaignChange,
    CampaignDetail,
    CampaignList,
    CampaignOut,
    HighlightIn,
    HighlightList,
    MaterialOrderList,
    MaterialOrderOut,
    NewCampaign,
    NewMaterialOrder,
    NewSession,
    PlanIn,
    PlanOut,
    SessionChange,
    SessionOut,
)
from casework_organising.api.lookup import organiser
from casework_organising.planning import Campaigns


def _optional_body(model: type[HighlightIn]) -> HighlightIn:
    """The body, or the model's defaults when none was sent (a bare PUT)."""
    if (
        not request.is_json
        and not request.content_length
        and "chunked" not in request.headers.get("Transfer-Encoding", "")
    ):
        return validate(model, {})
    return parse_json(model)


bp = Blueprint("campaigns", __name__)
SCOPE_ERRORS = (403, 404)


@bp.get("/v1/campaigns")
@api("The campaigns of the caller's region, newest first", {200: CampaignList}, errors=(403,))
def list_campaigns() -> Response:
    return jsonify(items=dependency(Campaigns).list_campaigns(organiser()))


@bp.post("/v1/campaigns")
@api(
    "Open a recruitment campaign in the caller's region (officials)",
    {201: CampaignOut},
    body=NewCampaign,
    errors=(403,),
)
def open_campaign() -> tuple[Response, int]:
    caller = organiser()
    return jsonify(dependency(Campaigns).open_campaign(caller, parse_json(NewCampaign))), 201


@bp.get("/v1/campaigns/<campaign_id>")
@api(
    "A campaign, with its branch plans (officials) or the caller's plan (branch staff)",
    {200: CampaignDetail},
    errors=(403, 404, 503),
)
def get_campaign(campaign_id: str) -> Response:
    """Officials get ``plans`` (per branch: sessions and target total) and ``branches_without_plan``
    (branches of the region, from its reps and coordinators, with no plan yet); branch staff
    get ``my_plan``."""
    return jsonify(dependency(Campaigns).campaign(organiser(), campaign_id))


@bp.patch("/v1/campaigns/<campaign_id>")
@api(
    "Change a campaign (the region's officials)",
    {200: CampaignOut},
    body=CampaignChange,
    errors=(*SCOPE_ERRORS, 409),
)
def change_campaign(campaign_id: str) -> Response:
    """New dates may not leave a planned session outside the campaign (409)."""
    caller = organiser()
    return jsonify(dependency(Campaigns).change_campaign(caller, campaign_id, parse_json(CampaignChange)))


@bp.put("/v1/campaigns/<campaign_id>/plans/<branch>")
@api(
    "Create or replace the branch's plan (the branch's reps and coordinator)",
    {200: Reply("The plan, updated.", PlanOut), 201: Reply("The plan, created.", PlanOut)},
    body=PlanIn,
    errors=(*SCOPE_ERRORS, 503),
)
def put_plan(campaign_id: str, branch: str) -> tuple[Response, int]:
    """``link_official`` must be an official of the campaign's region (else 422)."""
    caller = organiser()
    plan, created = dependency(Campaigns).put_plan(caller, campaign_id, branch, parse_json(PlanIn))
    return jsonify(plan), 201 if created else 200


@bp.get("/v1/plans/<plan_id>")
@api(
    "A branch's plan with its sessions (the branch's staff and the region's officials)",
    {200: PlanOut},
    errors=SCOPE_ERRORS,
)
def get_plan(plan_id: str) -> Response:
    return jsonify(dependency(Campaigns).plan(organiser(), plan_id))


@bp.put("/v1/plans/<plan_id>/highlight")
@api("Highlight a plan on the region's page (officials)", {200: PlanOut}, body=HighlightIn, errors=SCOPE_ERRORS)
def highlight(plan_id: str) -> Response:
    """The body (a ``note``) may be left out."""
    caller = organiser()
    return jsonify(dependency(Campaigns).highlight(caller, plan_id, _optional_body(HighlightIn)))


@bp.delete("/v1/plans/<plan_id>/highlight")
@api("Stop highlighting a plan (officials)", {200: PlanOut}, errors=SCOPE_ERRORS)
def unhighlight(plan_id: str) -> Response:
    return jsonify(dependency(Campaigns).highlight(organiser(), plan_id, None))


@bp.get("/v1/campaigns/<campaign_id>/highlights")
@api("The plans the region highlighted, with their sessions", {200: HighlightList}, errors=SCOPE_ERRORS)
def highlights(campaign_id: str) -> Response:
    return jsonify(dependency(Campaigns).highlights(organiser(), campaign_id))


@bp.post("/v1/plans/<plan_id>/sessions")
@api(
    "Add a session to the branch's plan (the branch's reps and coordinator)",
    {201: SessionOut},
    body=NewSession,
    errors=(*SCOPE_ERRORS, 503),
)
def add_session(plan_id: str) -> tuple[Response, int]:
    """The session starts on a day of the campaign; ``team`` are the branch's reps and
    coordinators (a 422 names each username that is not)."""
    caller = organiser()
    return jsonify(dependency(Campaigns).add_session(caller, plan_id, parse_json(NewSession))), 201


@bp.get("/v1/sessions/<session_id>")
@api("A session (the branch's staff and the region's officials)", {200: SessionOut}, errors=SCOPE_ERRORS)
def get_session(session_id: str) -> Response:
    return jsonify(dependency(Campaigns).session(organiser(), session_id))


@bp.patch("/v1/sessions/<session_id>")
@api(
    "Change a session (the branch's reps and coordinator)",
    {200: SessionOut},
    body=SessionChange,
    errors=(*SCOPE_ERRORS, 503),
)
def change_session(session_id: str) -> Response:
    caller = organiser()
    return jsonify(dependency(Campaigns).change_session(caller, session_id, parse_json(SessionChange)))


@bp.delete("/v1/sessions/<session_id>")
@api(
    "Remove a session with no conversations logged (the branch's reps and coordinator)",
    {200: SessionOut},
    errors=(*SCOPE_ERRORS, 409),
)
def delete_session(session_id: str) -> Response:
    """A session with logged conversations or help requests stays (409)."""
    return jsonify(dependency(Campaigns).delete_session(organiser(), session_id))


@bp.post("/v1/campaigns/<campaign_id>/material-orders")
@api(
    "Order materials for the branch (the branch's reps and coordinator); the region's officials are told",
    {201: MaterialOrderOut},
    body=NewMaterialOrder,
    errors=(*SCOPE_ERRORS, 503),
)
def order_materials(campaign_id: str) -> tuple[Response, int]:
    caller = organiser()
    return jsonify(dependency(Campaigns).order_materials(caller, campaign_id, parse_json(NewMaterialOrder))), 201


@bp.get("/v1/campaigns/<campaign_id>/material-orders")
@api(
    "Material orders of a campaign (officials: the region's; branch staff: their branch's)",
    {200: MaterialOrderList},
    errors=SCOPE_ERRORS,
)
def orders(campaign_id: str) -> Response:
    return jsonify(items=dependency(Campaigns).orders(organiser(), campaign_id))


@bp.post("/v1/material-orders/<order_id>/fulfil")
@api("Mark an order fulfilled (the region's officials)", {200: MaterialOrderOut}, errors=(*SCOPE_ERRORS, 409))
def fulfil(order_id: str) -> Response:
    return jsonify(dependency(Campaigns).fulfil(organiser(), order_id))
