"""The caller's scope as search applies it: workflow's decision, turned into filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.v1 import workflow_pb2


@dataclass(frozen=True)
class SearchScope:
    """``full``: cases whose every page the caller may see; ``member``: their own cases,
    of which they see member-visible evidence only."""

    full: frozenset[str]
    member: frozenset[str]

    @classmethod
    def from_proto(cls, scope: workflow_pb2.Scope) -> SearchScope:
        return cls(frozenset(scope.case_ids), frozenset(scope.member_case_ids) - frozenset(scope.case_ids))

    @property
    def cases(self) -> frozenset[str]:
        """Every case the caller may know about."""
        return self.full | self.member

    def pages_filter(self) -> dict[str, Any] | None:
        """The filter every evidence query carries; None when the scope allows nothing."""
        allowed: list[dict[str, Any]] = []
        if self.full:
            allowed.append({"terms": {"case_id": sorted(self.full)}})
        if self.member:
            allowed.append(
                {"bool": {"filter": [{"terms": {"case_id": sorted(self.member)}}, {"term": {"visibility": "member"}}]}}
            )
        if not allowed:
            return None
        return {"bool": {"should": allowed, "minimum_should_match": 1}}
