"""Who may see and do what in recruitment weeks (docs/design.md, "Organising: recruitment weeks").

- An official opens campaigns for their own region, sees every branch plan, session and result in
  it, highlights plans and fulfils material orders, but never a person's details or a target list:
  those "never leave the branch".
- A branch's reps and coordinator plan, run sessions, log conversations, import target lists and
  work follow-ups for their own branch, in campaigns of their own region.
- Members, caseworkers, the dpo and admin get nothing here (admin has /metrics).
- Services (workflow's account) read one member's records for subject access, and nothing else
  (api/subject_access.py checks that itself).

A record outside the caller's scope is answered as not found, so its existence is not revealed.
"""

from __future__ import annotations

from casework_common.auth import Principal
from casework_common.vocabulary import BRANCH_STAFF_ROLES


def is_official(caller: Principal) -> bool:
    """An official with a region (an official without one sees nothing)."""
    return caller.has("official") and bool(caller.region)


def is_branch_staff(caller: Principal) -> bool:
    """A rep or coordinator with a branch and a region."""
    return caller.has(*BRANCH_STAFF_ROLES) and bool(caller.branch) and bool(caller.region)


def may_use(caller: Principal) -> bool:
    """Whether the caller may use organising at all (else 403 on every endpoint)."""
    return is_official(caller) or is_branch_staff(caller)


def sees_region(caller: Principal, region: str) -> bool:
    """Campaigns of a region: listed for its officials and its branches' staff."""
    return may_use(caller) and caller.region == region


def runs_region(caller: Principal, region: str) -> bool:
    """Opening and changing campaigns, highlighting plans, fulfilling orders: the region's officials."""
    return is_official(caller) and caller.region == region


def works_branch(caller: Principal, region: str, branch: str) -> bool:
    """Planning, logging contacts, target lists, follow-ups: the branch's own reps and coordinator."""
    return is_branch_staff(caller) and caller.region == region and caller.branch == branch


def reads_branch(caller: Principal, region: str, branch: str) -> bool:
    """A branch's plan, sessions and counts: its own staff and the region's officials."""
    return works_branch(caller, region, branch) or runs_region(caller, region)


def sees_people(caller: Principal, region: str, branch: str) -> bool:
    """People's details (contacts' names and contact details, issue text, target lists): the branch only."""
    return works_branch(caller, region, branch)
