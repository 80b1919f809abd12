"""The bounded most-recently-used map (pure logic)."""

from __future__ import annotations

from casework_common.recent import Recent


def test_the_least_recently_used_entry_is_forgotten_first() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now b is the least recently used
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c"), len(recent)) == (1, None, 3, 2)


def test_putting_a_key_again_replaces_its_value() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("a", 2)
    assert (recent.get("a"), len(recent)) == (2, 1)
