"""The retention schedule: per case type and outcome, how long after closure each kind of data is kept.

A YAML document (the one shipped beside this module, or ``settings.retention_schedule``), checked
when it is loaded: a bad schedule is refused with every problem named, so workflow does not start
and the retention job does not run on one (schedule.yaml explains the format and the defaults).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from casework_common.vocabulary import DATA_KINDS
from casework_workflow.schemas import CaseType, Outcome

SHIPPED = Path(__file__).with_name("schedule.yaml")
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([ymd])\s*$")
#: The longest period the schedule may name, per unit: a hundred years. Longer is a typing mistake
#: (and a date past the calendar's end would stop every retention run and the dry run).
LONGEST = {"y": 100, "m": 1200, "d": 36525}
_UNITS = {"y": "years", "m": "months", "d": "days"}


class ScheduleError(ValueError):
    """The schedule cannot be used; the message names the file and every problem in it."""


@dataclass(frozen=True)
class Duration:
    """A period after closure in calendar units, as people write it ("6y", "18m", "90d")."""

    amount: int
    unit: str  # "y", "m" or "d"

    def after(self, start: dt.date) -> dt.date:
        """``start`` plus this period (the 29th February plus a year is the 28th)."""
        if self.unit == "d":
            return start + dt.timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return dt.date(year, month + 1, day)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class Rule:
    case_type: str | None
    outcome: str | None
    keep: dict[str, Duration]

    @property
    def specificity(self) -> int:
        """How specific the rule is: a case type counts more than an outcome (type and outcome: 3)."""
        return (2 if self.case_type else 0) + (1 if self.outcome else 0)

    def matches(self, case_type: str, outcome: str | None) -> bool:
        """Whether the rule applies to a case of this type and outcome (what it leaves out matches all)."""
        return (self.case_type in (None, case_type)) and (self.outcome in (None, outcome))


@dataclass(frozen=True)
class Schedule:
    default: dict[str, Duration]
    rules: tuple[Rule, ...]
    source: str

    def periods(self, case_type: str, outcome: str | None) -> dict[str, Duration]:
        """The period each kind is kept for a case of this type and outcome."""
        chosen = dict(self.default)
        # Least specific first, so a more specific rule overrides what a broader one said.
        for rule in sorted((r for r in self.rules if r.matches(case_type, outcome)), key=lambda r: r.specificity):
            chosen.update(rule.keep)
        return chosen

    def due_dates(self, case_type: str, outcome: str | None, closed_at: dt.datetime) -> dict[str, dt.date]:
        """The day from which each kind is due for removal, counted from the closing day (in UTC:
        a day either way over years of retention does not matter)."""
        closed_on = closed_at.astimezone(dt.UTC).date()
        return {kind: period.after(closed_on) for kind, period in self.periods(case_type, outcome).items()}


def _duration(value: Any, where: str, problems: list[str]) -> Duration | None:
    match = _DURATION.match(str(value)) if isinstance(value, (str, int)) else None
    if match is None:
        problems.append(f"{where}: {value!r} is not a duration such as 6y, 18m or 90d")
        return None
    amount, unit = int(match.group(1)), match.group(2)
    if amount > LONGEST[unit]:
        problems.append(f"{where}: {value!r} is longer than {LONGEST[unit]} {_UNITS[unit]}, the longest period allowed")
        return None
    # "0d" is allowed on purpose (schedule.yaml): due at the first run after the case is closed.
    return Duration(amount, unit)


def _one_of(value: Any, allowed: set[str], where: str, problems: list[str]) -> str | None:
    """``value`` if it is one name from ``allowed`` (None if absent); else a problem, and None."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{where}: {value!r} is not a single name (one rule per {where.rsplit('.', 1)[-1]})")
        return None
    if value not in allowed:
        noun = "case type" if where.endswith("case_type") else "outcome"
        problems.append(f"{where}: {value!r} is not {'an' if noun == 'outcome' else 'a'} {noun}")
        return None
    return value


def _kinds(value: Any, where: str, problems: list[str]) -> dict[str, Duration]:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping of data kind to duration")
        return {}
    kept: dict[str, Duration] = {}
    for kind, raw in value.items():
        if kind not in DATA_KINDS:
            problems.append(f"{where}.{kind}: not a data kind (one of {', '.join(DATA_KINDS)})")
            continue
        duration = _duration(raw, f"{where}.{kind}", problems)
        if duration is not None:
            kept[kind] = duration
    return kept


def parse(document: Any, source: str = "schedule") -> Schedule:
    """A checked schedule from a parsed YAML document; ScheduleError names every problem."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise ScheduleError(f"retention schedule {source}: expected a mapping with 'default' and 'rules'")
    unknown = set(document) - {"default", "rules"}
    if unknown:
        problems.append(f"unknown top-level keys: {', '.join(sorted(map(str, unknown)))}")
    default = _kinds(document.get("default"), "default", problems)
    if isinstance(document.get("default"), dict):
        missing = [k for k in DATA_KINDS if k not in document["default"]]
        if missing:
            problems.append(f"default: every data kind needs a period; missing {', '.join(missing)}")
    rules: list[Rule] = []
    raw_rules = document.get("rules") or []
    if not isinstance(raw_rules, list):
        problems.append("rules: expected a list")
        raw_rules = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(raw_rules):
        where = f"rules[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with case_type and/or outcome, and keep")
            continue
        extra = set(raw) - {"case_type", "outcome", "keep"}
        if extra:
            problems.append(f"{where}: unknown keys {', '.join(sorted(map(str, extra)))}")
        case_type = _one_of(raw.get("case_type"), {t.value for t in CaseType}, f"{where}.case_type", problems)
        outcome = _one_of(raw.get("outcome"), {o.value for o in Outcome}, f"{where}.outcome", problems)
        if raw.get("case_type") is None and raw.get("outcome") is None:
            problems.append(f"{where}: name a case_type, an outcome or both (the default covers the rest)")
        # By what was written (repr: a list is not hashable), so a wrong name is not also a duplicate.
        written = (repr(raw.get("case_type")), repr(raw.get("outcome")))
        if written in seen:
            problems.append(f"{where}: a second rule for the same case_type and outcome")
        seen.add(written)
        keep = _kinds(raw.get("keep"), f"{where}.keep", problems)
        if isinstance(raw.get("keep"), dict) and not raw["keep"]:
            problems.append(f"{where}.keep: names no data kind")
        rules.append(Rule(case_type, outcome, keep))
    if problems:
        raise ScheduleError(f"retention schedule {source} is not valid:\n  - " + "\n  - ".join(problems))
    return Schedule(default, tuple(rules), source)


def load(path: Path | None = None) -> Schedule:
    """The schedule at ``path`` (the shipped one if None), checked."""
    path = path or SHIPPED
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleError(f"retention schedule {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScheduleError(f"retention schedule {path} is not valid YAML: {exc}") from exc
    return parse(document, str(path))
