"""Request bodies and answers of the campaigns API (api/campaigns.py): campaigns, branch plans,
sessions, highlights and material orders.

Text is stripped (one-line fields also have their inner runs of spaces collapsed) and bounded;
names keep apostrophes and accents as typed. Dates are ISO dates (``2027-05-14``) and times ISO
date-times; a time without an offset is the union's clock (Europe/London). The portal converts
what people type. Numbers and booleans where text is expected, and text where numbers are, are
refused rather than coerced, so a wrong type is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictInt

from casework_common.typed_dates import LONDON
from casework_common.vocabulary import APPROACHES, SESSION_KINDS
from casework_organising.text import Strict, lines, one_line

SessionKind = Literal[tuple(SESSION_KINDS)]  # type: ignore[valid-type]
Approach = Literal[tuple(APPROACHES)]  # type: ignore[valid-type]
OrderState = Literal["requested", "fulfilled"]

# Years a campaign or session may fall in: catches a mistyped year, allows old campaigns in drills.
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_CAMPAIGN_DAYS = 366
MAX_SESSION_HOURS = 24
MAX_TARGET_CONTACTS = 10_000
MAX_TEAM = 20
_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:?\d\d)?")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")


def line(max_length: int, min_length: int = 0) -> object:
    """A one-line text field (names, places): stripped, inner whitespace collapsed, bounded."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(one_line), AfterValidator(_at_least(min_length))]


def paragraph(max_length: int, min_length: int = 0) -> object:
    """A free-text field over several lines (notes, backup plans), bounded."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(lines), AfterValidator(_at_least(min_length))]


def _at_least(min_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) < min_length:
            raise ValueError(
                "Required: type at least one character." if min_length == 1 else f"At least {min_length} characters."
            )
        return value

    return check


def _iso_day(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value.strip()):
        raise ValueError("A date as YYYY-MM-DD, such as 2027-05-14.")
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError("Not a real date.") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"A date between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


def _iso_time(value: object) -> object:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        if not isinstance(value, str) or not _ISO_TIME.fullmatch(value.strip()):
            raise ValueError("A date and time as YYYY-MM-DDTHH:MM, such as 2027-05-14T12:30 (London time).")
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("Not a real date and time.") from exc
    if moment.tzinfo is None:  # people plan in the union's clock
        moment = moment.replace(tzinfo=LONDON)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"A date between {FIRST_YEAR} and {LAST_YEAR}.")
    return moment


IsoDay = Annotated[dt.date, BeforeValidator(_iso_day)]
IsoTime = Annotated[dt.datetime, BeforeValidator(_iso_time)]
Name = line(200, 1)
Place = line(200, 1)
Department = line(200)
Notes = paragraph(4000)
Backup = paragraph(2000)


def _username(value: str) -> str:
    value = value.strip().lower()
    if not USERNAME.fullmatch(value):
        raise ValueError(f"{value[:60]!r} is not a username.")
    return value


Username = Annotated[str, Field(max_length=200), AfterValidator(_username)]
HelperName = line(100, 1)
HighlightNote = line(500)
Items = paragraph(2000, 1)
Address = line(500)


# -- requests ------------------------------------------------------------------------------------


class NewCampaign(Strict):
    """A recruitment campaign of the caller's region (an official opens it)."""

    name: Name = Field(description="e.g. National Recruitment Week (1 to 200 characters).")  # type: ignore[valid-type]
    starts_on: IsoDay
    ends_on: IsoDay = Field(description="On or after starts_on, at most 366 days later.")
    notes: Notes = ""  # type: ignore[valid-type]
    retention_days: StrictInt | None = Field(
        default=None,
        ge=0,
        description="Days after ends_on that non-members' details and target lists are kept "
        "(default and maximum: the service's settings).",
    )


class CampaignChange(Strict):
    """Change a campaign: only the fields given."""

    name: Name | None = None  # type: ignore[valid-type]
    starts_on: IsoDay | None = None
    ends_on: IsoDay | None = None
    notes: Notes | None = None  # type: ignore[valid-type]
    retention_days: StrictInt | None = Field(default=None, ge=0)


class PlanIn(Strict):
    """A branch's plan for a campaign (PUT replaces these fields; omitted ones are cleared)."""

    link_official: Username | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Username of an official of the region who helps on the day; null: the regional office.",
    )
    backup_plan: Backup = ""  # type: ignore[valid-type]
    notes: Notes = ""  # type: ignore[valid-type]


class HighlightIn(Strict):
    """Mark a plan for the region's highlights page."""

    note: HighlightNote = ""  # type: ignore[valid-type]


class _SessionFields(Strict):
    place: Place = Field(description="Where exactly, e.g. Depot canteen.")  # type: ignore[valid-type]
    workplace: Place = Field(description="The workplace, e.g. Metro Transit, Holloway depot.")  # type: ignore[valid-type]
    department: Department = ""  # type: ignore[valid-type]
    kind: SessionKind
    starts_at: IsoTime = Field(
        description="ISO date-time; without an offset it is London time. Within the campaign's dates."
    )
    ends_at: IsoTime = Field(description="After starts_at, at most 24 hours later.")
    target_contacts: StrictInt = Field(ge=0, le=MAX_TARGET_CONTACTS, description="Conversations the team aims for.")
    approach: Approach
    opening: Backup = Field(default="", description="The survey question, petition or briefing.")  # type: ignore[valid-type]
    backup_plan: Backup = ""  # type: ignore[valid-type]
    team: list[Username] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=MAX_TEAM,
        description="Usernames of the branch's reps and coordinators who run it (pairs or small groups).",
    )
    helpers: list[HelperName] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=MAX_TEAM, description="First names of activists without an account."
    )


class NewSession(_SessionFields):
    """A session of a branch plan."""


class SessionChange(Strict):
    """Change a session: only the fields given."""

    place: Place | None = None  # type: ignore[valid-type]
    workplace: Place | None = None  # type: ignore[valid-type]
    department: Department | None = None  # type: ignore[valid-type]
    kind: SessionKind | None = None
    starts_at: IsoTime | None = None
    ends_at: IsoTime | None = None
    target_contacts: StrictInt | None = Field(default=None, ge=0, le=MAX_TARGET_CONTACTS)
    approach: Approach | None = None
    opening: Backup | None = None  # type: ignore[valid-type]
    backup_plan: Backup | None = None  # type: ignore[valid-type]
    team: list[Username] | None = Field(default=None, min_length=1, max_length=MAX_TEAM)  # type: ignore[valid-type]
    helpers: list[HelperName] | None = Field(default=None, max_length=MAX_TEAM)  # type: ignore[valid-type]


class NewMaterialOrder(Strict):
    """Materials the branch needs from the regional office."""

    items: Items = Field(description="e.g. 200 calling cards, 50 survey forms.")  # type: ignore[valid-type]
    needed_by: IsoDay | None = None
    deliver_to: Address = ""  # type: ignore[valid-type]


# -- answers -------------------------------------------------------------------------------------


class CampaignOut(BaseModel):
    """A campaign."""

    id: str
    region: str
    name: str
    starts_on: str = Field(description="ISO date.")
    ends_on: str = Field(description="ISO date.")
    notes: str
    retention_days: int
    details_removed_at: str | None = Field(description="When non-members' details and target lists were removed.")
    created_by: str
    created_at: str
    updated_at: str


class CampaignList(BaseModel):
    """The campaigns of the caller's region, newest first."""

    items: list[CampaignOut]


class PlanSummary(BaseModel):
    """A branch's plan as the region's officials see it in the campaign."""

    id: str
    branch: str
    highlighted: bool
    highlight_note: str
    sessions: int
    target_total: int = Field(description="Sum of its sessions' target contacts.")


class CampaignDetail(CampaignOut):
    """A campaign; officials also get ``plans`` and ``branches_without_plan``, branch staff ``my_plan``,
    ``officials`` and ``team_choices``."""

    plans: list[PlanSummary] | None = Field(default=None, description="Officials only: every branch plan.")
    branches_without_plan: list[str] | None = Field(
        default=None,
        description="Officials only: branches of the region (from their reps and coordinators) with no plan yet.",
    )
    my_plan: str | None = Field(default=None, description="Branch staff only: their branch's plan id, or null.")
    officials: list[str] | None = Field(
        default=None, description="Branch staff only: usernames of the region's officials (a plan's link official)."
    )
    team_choices: list[str] | None = Field(
        default=None,
        description="Branch staff only: usernames of the branch's reps and coordinators (a session's team).",
    )


class SessionOut(BaseModel):
    """A session of a plan."""

    id: str
    plan_id: str
    campaign_id: str
    branch: str
    place: str
    workplace: str
    department: str
    kind: SessionKind
    starts_at: str = Field(description="ISO date-time in London time.")
    ends_at: str = Field(description="ISO date-time in London time.")
    target_contacts: int
    approach: Approach
    opening: str
    backup_plan: str
    team: list[str]
    helpers: list[str]
    contacts: int = Field(description="Conversations logged so far.")
    created_by: str
    created_at: str
    updated_at: str


class PlanOut(BaseModel):
    """A branch's plan with its sessions, earliest first."""

    id: str
    campaign_id: str
    campaign_name: str
    region: str
    branch: str
    link_official: str | None
    backup_plan: str
    notes: str
    highlighted: bool
    highlight_note: str
    highlighted_by: str | None
    created_by: str
    created_at: str
    updated_at: str
    sessions: list[SessionOut]
    target_total: int


class HighlightSession(BaseModel):
    id: str
    place: str
    workplace: str
    kind: SessionKind
    starts_at: str
    ends_at: str
    target_contacts: int


class HighlightOut(BaseModel):
    plan_id: str
    branch: str
    note: str
    sessions: list[HighlightSession]


class HighlightList(BaseModel):
    """The plans the region highlighted, by branch."""

    campaign_id: str
    campaign_name: str
    items: list[HighlightOut]


class MaterialOrderOut(BaseModel):
    """A branch's order of materials."""

    id: str
    campaign_id: str
    branch: str
    items: str
    needed_by: str | None
    deliver_to: str
    ordered_by: str
    ordered_at: str
    state: OrderState
    fulfilled_by: str | None
    fulfilled_at: str | None


class MaterialOrderList(BaseModel):
    """Orders, newest first (officials: every branch of the region; branch staff: their own)."""

    items: list[MaterialOrderOut]
