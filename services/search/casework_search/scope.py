"""The caller's scope as search applies it: workflow's decision, turned into filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.v1 import workflow_pb2


@dataclass(frozen=True)
class SearchScope:
    """``full``: cases whose every page the caller may see; ``branches``: branches whose every
    case they may see so; ``member``: their own cases, of which they see member-visible
    evidence only."""

    full: frozenset[str]
    member: frozenset[str]
    branches: frozenset[str] = frozenset()

    @classmethod
    def from_proto(cls, scope: workflow_pb2.Scope) -> SearchScope:
        full = frozenset(scope.case_ids)
        return cls(full, frozenset(scope.member_case_ids) - full, frozenset(scope.branches))

    @property
    def empty(self) -> bool:
        return not (self.full or self.member or self.branches)

    def sees_fully(self, case_id: str, branch: str) -> bool:
        return case_id in self.full or branch in self.branches

    def sees(self, case_id: str, branch: str) -> bool:
        """May the caller know about this case at all?"""
        return self.sees_fully(case_id, branch) or case_id in self.member

    def _full_clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if self.full:
            clauses.append({"terms": {"case_id": sorted(self.full)}})
        if self.branches:
            clauses.append({"terms": {"branch": sorted(self.branches)}})
        return clauses

    def pages_filter(self) -> dict[str, Any] | None:
        """The filter every evidence query carries; None when the scope allows nothing."""
        allowed = self._full_clauses()
        if self.member:
            allowed.append(
                {"bool": {"filter": [{"terms": {"case_id": sorted(self.member)}}, {"term": {"visibility": "member"}}]}}
            )
        return {"bool": {"should": allowed, "minimum_should_match": 1}} if allowed else None

    def cases_filter(self) -> dict[str, Any] | None:
        """The filter for the cases index: every case the caller may know about."""
        allowed = self._full_clauses()
        if self.member:
            allowed.append({"terms": {"case_id": sorted(self.member)}})
        return {"bool": {"should": allowed, "minimum_should_match": 1}} if allowed else None
