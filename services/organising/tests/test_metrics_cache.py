"""The campaign gauges' cache (pure logic, on an in-memory SQLite database; the gauges' values are
tested on the platform in tests/test_organising_results.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from casework_organising import metrics


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    done: list[int] = []

    def read(_conn: sa.Connection) -> metrics.Snapshot:
        done.append(1)
        return metrics.Snapshot({("Week", "london", "north-london", "joined"): 3.0}, {}, {}, {})

    monkeypatch.setattr(metrics, "read", read)
    yield done


def test_reads_once_per_period_and_again_after_a_counted_write(reads: list[int]) -> None:
    engine = sa.create_engine("sqlite://")
    tables = sa.MetaData()
    contacts = sa.Table("contacts", tables, sa.Column("id", sa.Integer))
    outbox = sa.Table("outbox", tables, sa.Column("id", sa.Integer))
    tables.create_all(engine)
    collector = metrics.CampaignCollector(engine)
    [contacts_family, *_] = collector.collect()
    list(collector.collect())
    assert len(reads) == 1
    assert [(s.labels["branch"], s.value) for s in contacts_family.samples] == [("north-london", 3.0)]
    with engine.begin() as conn:  # the outbox relay commits every second: not a reason to read again
        conn.execute(outbox.insert().values(id=1))
    with engine.connect() as conn:  # a change rolled back counts for nothing
        conn.execute(contacts.insert().values(id=1))
        conn.rollback()
    list(collector.collect())
    assert len(reads) == 1
    with engine.begin() as conn:
        conn.execute(contacts.insert().values(id=2))
    list(collector.collect())
    assert len(reads) == 2


def test_describing_reads_nothing(reads: list[int]) -> None:
    collector = metrics.CampaignCollector(sa.create_engine("sqlite://"))
    names = [family.name for family in collector.describe()]
    assert names == [
        f"casework_organising_{n}" for n in ("contacts", "contact_target", "follow_ups_open", "issues_raised")
    ]
    assert reads == []
