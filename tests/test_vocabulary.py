"""One vocabulary, from the contracts: every name, set and label in casework_common.vocabulary is a
value of its proto enum, and no service lists a contract value the contract lacks, nor keeps its own
copy of a vocabulary.

The services' sources are read, not run: each collection of string literals (a tuple, list or set,
a dict's keys or values, a ``Literal[...]``) is compared with each vocabulary. One made mostly of a
vocabulary's values must hold nothing else (a value the contract lacks, e.g. a misspelt or dropped
status); one a module or class defines as a value of its own (``IN_PROGRESS = ("received", ...)``,
``visibility: Literal["member", "reps"]``, ``{"member": events_pb2.VISIBILITY_MEMBER}``) is a copy,
which should be imported from casework_common.vocabulary instead. Labels (a dict from a
vocabulary's values to words) and inline tests of a value (``if state in ("agreed", ...)``) are not
copies, though their values are checked all the same. Migrations are left out: they keep the values
of their day."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from casework.v1 import events_pb2, organising_pb2
from casework_common import vocabulary

ROOT = Path(__file__).resolve().parents[1]

#: Each contract enum, its short names (derived here again, not taken from vocabulary.py).
ENUMS: dict[str, tuple[object, str]] = {
    "evidence status": (events_pb2.EvidenceStatus, "EVIDENCE_STATUS_"),
    "referral state": (events_pb2.ReferralState, "REFERRAL_STATE_"),
    "visibility": (events_pb2.Visibility, "VISIBILITY_"),
    "document kind": (events_pb2.DocumentKind, "DOCUMENT_KIND_"),
    "deadline kind": (events_pb2.DeadlineKind, "DEADLINE_KIND_"),
    "deadline state": (events_pb2.DeadlineState, "DEADLINE_STATE_"),
    "intake channel": (events_pb2.IntakeChannel, "INTAKE_CHANNEL_"),
    "hold state": (events_pb2.HoldState, "HOLD_STATE_"),
    "hold reason": (events_pb2.HoldReason, "HOLD_REASON_"),
    "data kind": (events_pb2.DataKind, "DATA_KIND_"),
    "erasure reason": (events_pb2.ErasureReason, "ERASURE_REASON_"),
    "session kind": (organising_pb2.SessionKind, "SESSION_KIND_"),
    "approach": (organising_pb2.Approach, "APPROACH_"),
    "contact outcome": (organising_pb2.ContactOutcome, "CONTACT_OUTCOME_"),
    "issue category": (organising_pb2.IssueCategory, "ISSUE_CATEGORY_"),
    "lawful basis": (organising_pb2.LawfulBasis, "LAWFUL_BASIS_"),
}


def short_names(enum: object, prefix: str) -> frozenset[str]:
    return frozenset(
        value.name.removeprefix(prefix).lower()
        for value in enum.DESCRIPTOR.values  # type: ignore[attr-defined]
        if value.number != 0
    )


CONTRACT: dict[str, frozenset[str]] = {name: short_names(*enum) for name, enum in ENUMS.items()}
ROLES = frozenset({"member", "rep", "coordinator", "official", "caseworker", "dpo", "admin"})

#: Which vocabulary each public name of vocabulary.py draws on (a new name must be added here).
NAMED: dict[str, frozenset[str]] = {
    "EVIDENCE_STATUSES": CONTRACT["evidence status"],
    "EVIDENCE_IN_PROGRESS": CONTRACT["evidence status"],
    "EVIDENCE_FINISHED": CONTRACT["evidence status"],
    "EVIDENCE_STATUS_RANK": CONTRACT["evidence status"],
    "EVIDENCE_STATUS_LABELS": CONTRACT["evidence status"],
    "REFERRAL_STATES": CONTRACT["referral state"],
    "REFERRAL_OPEN_STATES": CONTRACT["referral state"],
    "REFERRAL_ENDED_STATES": CONTRACT["referral state"],
    "REFERRAL_CASEWORKER_STATES": CONTRACT["referral state"],
    "VISIBILITIES": CONTRACT["visibility"],
    "DOCUMENT_KINDS": CONTRACT["document kind"],
    "DOCUMENT_KIND_LABELS": CONTRACT["document kind"],
    "DEADLINE_KINDS": CONTRACT["deadline kind"],
    "DEADLINE_KIND_LABELS": CONTRACT["deadline kind"],
    "DEADLINE_STATES": CONTRACT["deadline state"],
    "INTAKE_CHANNELS": CONTRACT["intake channel"],
    "HOLD_STATES": CONTRACT["hold state"],
    "HOLD_REASONS": CONTRACT["hold reason"],
    "HOLD_REASON_LABELS": CONTRACT["hold reason"],
    "DATA_KINDS": CONTRACT["data kind"],
    "DATA_KIND_HOLDERS": CONTRACT["data kind"],
    "DATA_KIND_LABELS": CONTRACT["data kind"],
    "ERASURE_REASONS": CONTRACT["erasure reason"],
    "SESSION_KINDS": CONTRACT["session kind"],
    "SESSION_KIND_LABELS": CONTRACT["session kind"],
    "APPROACHES": CONTRACT["approach"],
    "APPROACH_LABELS": CONTRACT["approach"],
    "CONTACT_OUTCOMES": CONTRACT["contact outcome"],
    "CONTACT_OUTCOME_LABELS": CONTRACT["contact outcome"],
    "FOLLOW_UP_OUTCOMES": CONTRACT["contact outcome"],
    "WILL_JOIN_ONLINE_OUTCOME": CONTRACT["contact outcome"],
    "JOIN_OUTCOME": CONTRACT["contact outcome"],
    "NOT_THERE_OUTCOME": CONTRACT["contact outcome"],
    "ISSUE_CATEGORIES": CONTRACT["issue category"],
    "ISSUE_CATEGORY_LABELS": CONTRACT["issue category"],
    "LAWFUL_BASES": CONTRACT["lawful basis"],
    "LAWFUL_BASIS_LABELS": CONTRACT["lawful basis"],
    "STAFF_ROLES": ROLES,
    "BRANCH_STAFF_ROLES": ROLES,
    "ORGANISING_ROLES": ROLES,
}
#: Names that map numbers to names (checked through the name -> number mapping they invert).
INVERSES = {
    "EVIDENCE_STATUS_NAMES": "EVIDENCE_STATUSES",
    "VISIBILITY_NAMES": "VISIBILITIES",
    "DEADLINE_KIND_NAMES": "DEADLINE_KINDS",
    "DEADLINE_STATE_NAMES": "DEADLINE_STATES",
    "INTAKE_CHANNEL_NAMES": "INTAKE_CHANNELS",
    "DATA_KIND_NAMES": "DATA_KINDS",
}


def public_names() -> list[str]:
    return [name for name in vars(vocabulary) if name.isupper() and not name.startswith("_")]


@pytest.mark.parametrize("name", public_names())
def test_every_name_of_the_vocabulary_holds_contract_values_only(name: str) -> None:
    value = getattr(vocabulary, name)
    if name in INVERSES:
        assert dict(value) == {number: short for short, number in getattr(vocabulary, INVERSES[name]).items()}
        return
    assert name in NAMED, f"vocabulary.{name} is new: say in NAMED which contract enum it draws on"
    values = {value} if isinstance(value, str) else set(value)
    assert values <= NAMED[name], f"vocabulary.{name} lists {sorted(values - NAMED[name])}, not in the contract"


def test_mappings_of_a_contract_vocabulary_cover_all_of_it() -> None:
    """Names, labels, ranks and holders: one entry for every value of the enum (sets may be parts)."""
    for name, vocab in NAMED.items():
        value = getattr(vocabulary, name)
        if isinstance(value, Mapping):
            assert set(value) == vocab, f"vocabulary.{name} misses {sorted(vocab - set(value))}"


# -- the services' sources ------------------------------------------------------------------------

SOURCES = sorted(
    path
    for path in [
        *ROOT.glob("services/*/casework_*/**/*.py"),
        *ROOT.glob("common/casework_common/**/*.py"),
        *ROOT.glob("tests/lib/*.py"),
    ]
    if "migrations" not in path.parts and path.name != "vocabulary.py"
)

#: Copies still to be replaced, by the file that holds them and the vocabulary they copy. Each
#: entry is a known debt, not a licence: remove it once the file imports the vocabulary.
KNOWN_COPIES: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Listing:
    """A collection of string literals in a source file."""

    path: str
    line: int
    values: tuple[str, ...]
    defined: bool  # a value a module or class names (a copy if it is a vocabulary's), not an inline test


def _strings(nodes: list[ast.expr | None]) -> tuple[str, ...] | None:
    values = tuple(node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return values if len(values) >= 2 else None


def _is_literal(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name == "Literal"


def _is_enum_number(node: ast.expr | None) -> bool:
    """``events_pb2.VISIBILITY_MEMBER`` and the like: a contract enum's number, named."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id.endswith("_pb2")


def _listings(node: ast.AST, path: str, defined: bool) -> Iterator[Listing]:
    """Every collection of strings under ``node``; ``defined`` when it is (part of) a named value."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        values = _strings(list(node.elts))
        if values and len(values) == len(node.elts):
            yield Listing(path, node.lineno, values, defined)
    elif isinstance(node, ast.Dict):
        keys = _strings(list(node.keys))
        if keys:
            # A dict from a vocabulary's values to anything but their enum numbers is a set of labels.
            yield Listing(path, node.lineno, keys, defined and all(map(_is_enum_number, node.values)))
        values = _strings(list(node.values))
        if values and all(map(_is_enum_number, node.keys)):
            # Enum numbers to names; the values of any other dict are words, not a vocabulary.
            yield Listing(path, node.lineno, values, defined)
    elif isinstance(node, ast.Subscript) and _is_literal(node.value):
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        values = _strings(list(inner))
        if values:
            yield Listing(path, node.lineno, values, True)
        return
    elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"frozenset", "set", "tuple"} and node.args:
        yield from _listings(node.args[0], path, defined)
        return
    for child in ast.iter_child_nodes(node):
        yield from _listings(child, path, defined and isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)))


def listings(path: Path, root: Path = ROOT) -> Iterator[Listing]:
    """Every collection of strings in a file, marking those a module or class defines."""
    relative = str(path.relative_to(root))
    tree = ast.parse(path.read_text(), filename=relative)
    named: set[int] = set()
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
        for statement in scope.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                named.add(id(statement.value))
            if isinstance(statement, ast.AnnAssign):
                named.add(id(statement.annotation))
    for node in ast.walk(tree):
        yield from _listings(node, relative, id(node) in named)


def vocabulary_of(values: tuple[str, ...]) -> tuple[str, frozenset[str]] | None:
    """The contract vocabulary most of ``values`` (at least two, and more than half) belong to."""
    best = max(CONTRACT.items(), key=lambda item: len(set(values) & item[1]))
    hits = len(set(values) & best[1])
    return best if hits >= 2 and hits * 2 > len(set(values)) else None


def all_listings() -> list[Listing]:
    """Every collection of strings in the sources, once each (defined if any reading says so)."""
    found: dict[tuple[str, int, tuple[str, ...]], Listing] = {}
    for path in SOURCES:
        for listing in listings(path):
            key = (listing.path, listing.line, listing.values)
            if key not in found or listing.defined:
                found[key] = listing
    return list(found.values())


#: The sets vocabulary.py names: a service defining one of them (or a whole vocabulary) copies it.
#: A part of a vocabulary that is one service's own rule (e.g. the portal's kinds that arrive as
#: letters) is not a copy; its values are checked all the same.
NAMED_SETS = {
    frozenset({value} if isinstance(value, str) else value)
    for name in NAMED
    for value in [getattr(vocabulary, name)]
    if NAMED[name] is not ROLES
} | set(CONTRACT.values())


def test_sources_are_read() -> None:
    """The scan sees the services (so the tests below cannot pass by reading nothing)."""
    assert ROOT / "services/intake/casework_intake/evidence.py" in SOURCES
    assert len(all_listings()) > 100


def test_no_service_lists_a_value_the_contract_lacks() -> None:
    wrong = []
    for listing in all_listings():
        found = vocabulary_of(listing.values)
        if found and not set(listing.values) <= found[1]:
            name, known = found
            wrong.append(f"{listing.path}:{listing.line}: {sorted(set(listing.values) - known)} (not in: {name})")
    assert not wrong, "\n".join(wrong)


def test_no_service_keeps_its_own_copy_of_a_vocabulary() -> None:
    copies = []
    for listing in all_listings():
        found = vocabulary_of(listing.values)
        known = KNOWN_COPIES.get(listing.path, set())
        if listing.defined and found and frozenset(listing.values) in NAMED_SETS and found[0] not in known:
            copies.append(f"{listing.path}:{listing.line}: {list(listing.values)} (vocabulary: {found[0]})")
    assert not copies, "import these from casework_common.vocabulary:\n" + "\n".join(copies)


def test_the_scan_finds_a_copy_and_a_value_the_contract_lacks(tmp_path: Path) -> None:
    """The scan itself: a module's own list of statuses is a copy; a misspelt one is not a status."""
    source = tmp_path / "example.py"
    source.write_text(
        "from typing import Literal\n"
        'IN_PROGRESS = ("received", "scanning", "extracting")\n'
        'Shown = Literal["member", "reps"]\n'
        'LABELS = {"received": "Received", "scaning": "Checking", "indexed": "Searchable"}\n'
        'def f(s):\n    return s in ("agreed", "not_agreed")\n'
    )
    found = {(listing.values, listing.defined) for listing in listings(source, tmp_path)}
    assert (("received", "scanning", "extracting"), True) in found
    assert (("member", "reps"), True) in found
    assert (("received", "scaning", "indexed"), False) in found
    assert (("agreed", "not_agreed"), False) in found
    assert vocabulary_of(("received", "scaning", "indexed")) == ("evidence status", CONTRACT["evidence status"])
