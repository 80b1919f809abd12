"""Which deadline rule set is in force: the newest one an administrator stored, else the packaged one.

Uploads go to ``deadline_rule_sets`` (append-only): every upload is kept, so what computed any
stored deadline can be read again (its ``rule.rule_set`` names the version). A version id always
names the same rules: storing different rules under a version id already used (stored, or the
packaged set's) is refused; storing the same rules again makes that version the one in force again.
Each request reads the newest row, so an upload applies from the next computation, on every replica,
without a restart. Parsed sets are cached per upload (their rows never change).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select

from casework_common.auth import Principal
from casework_common.problems import Problem
from casework_workflow import audit
from casework_workflow.deadlines.ruleset import RuleSet, RuleSetError, load_default, parse_rule_set
from casework_workflow.tables import deadline_rule_sets

_parsed: dict[int, RuleSet | None] = {}  # by seq; None: a stored body this build refuses
_lock = threading.Lock()


@dataclass(frozen=True)
class InForce:
    """The rule set in force and where it comes from (``row``: None for the packaged set)."""

    rules: RuleSet
    row: Row[Any] | None

    def about(self) -> dict[str, Any]:
        """Its version, origin and upload, for API answers."""
        return {
            "version": self.rules.version,
            "origin": "database" if self.row is not None else "packaged",
            "uploaded_by": self.row.uploaded_by if self.row is not None else None,
            "uploaded_at": self.row.uploaded_at.isoformat() if self.row is not None else None,
        }


_HEADS = (
    deadline_rule_sets.c.seq,
    deadline_rule_sets.c.version,
    deadline_rule_sets.c.uploaded_by,
    deadline_rule_sets.c.uploaded_at,
)


def _parse(conn: Connection, seq: int) -> RuleSet | None:
    """The stored rule set ``seq`` parsed (once per process: rows never change)."""
    with _lock:
        if seq in _parsed:
            return _parsed[seq]
    body = conn.execute(select(deadline_rule_sets.c.body).where(deadline_rule_sets.c.seq == seq)).scalar_one()
    try:
        rules: RuleSet | None = parse_rule_set(body)
    except RuleSetError:
        rules = None  # stored by an earlier build whose checks it passed: skipped, the one before applies
    with _lock:
        _parsed[seq] = rules
    return rules


def in_force(conn: Connection) -> InForce:
    """The newest stored rule set this build accepts, else the packaged default."""
    for row in conn.execute(select(*_HEADS).order_by(deadline_rule_sets.c.seq.desc())).all():
        rules = _parse(conn, row.seq)
        if rules is not None:
            return InForce(rules, row)
    return InForce(load_default(), None)


def history(conn: Connection) -> list[dict[str, Any]]:
    """Every upload, newest first, and the packaged set last; ``in_force`` marks the one that applies."""
    current = in_force(conn)
    rows = conn.execute(select(*_HEADS).order_by(deadline_rule_sets.c.seq.desc())).all()
    items = [
        {
            "version": row.version,
            "origin": "database",
            "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at.isoformat(),
            "in_force": current.row is not None and current.row.seq == row.seq,
        }
        for row in rows
    ]
    default = load_default()
    items.append(
        {
            "version": default.version,
            "origin": "packaged",
            "uploaded_by": None,
            "uploaded_at": None,
            "in_force": current.row is None,
        }
    )
    return items


def _used_content(conn: Connection, version: str) -> dict[str, Any] | None:
    """The rules a version id already names (stored or packaged), as JSON; None if it is new."""
    default = load_default()
    if version == default.version:
        return default.to_json()
    body = conn.execute(
        select(deadline_rule_sets.c.body)
        .where(deadline_rule_sets.c.version == version)
        .order_by(deadline_rule_sets.c.seq)
        .limit(1)
    ).scalar()
    if body is None:
        return None
    try:
        return parse_rule_set(body).to_json()
    except RuleSetError:
        return body


def store(conn: Connection, rules: RuleSet, actor: Principal) -> InForce:
    """Store a validated rule set as the newest upload (in force from now on); 409 problem if its
    version id already names different rules."""
    # One upload at a time, so two uploads of one version id cannot both pass the check below.
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended("deadline-rules:upload", 0))))
    body = rules.to_json()
    used = _used_content(conn, rules.version)
    if used is not None and used != body:
        raise Problem(
            409,
            "conflict",
            "Version already used",
            f"Version {rules.version} already names different rules; rule sets are never overwritten. "
            "Give this one a new version id.",
            version=rules.version,
        )
    row = conn.execute(
        deadline_rule_sets.insert()
        .values(version=rules.version, body=body, uploaded_by=actor.username)
        .returning(deadline_rule_sets)
    ).one()
    audit.record(
        conn,
        actor,
        "deadline_rules.upload",
        resource=f"deadline_rules:{rules.version}",
        detail={"version": rules.version, "seq": row.seq, "again": used is not None},
    )
    return InForce(rules, row)
