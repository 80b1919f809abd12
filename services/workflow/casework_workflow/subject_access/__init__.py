"""Subject access (docs/design.md, 'Subject access'): everything the platform holds about one member, as a ZIP with a
readable index.

- ``members``: membership numbers as people type them, normalised once.
- ``gather``: the items, found by membership number only (the member's own cases, and what hangs off
  them), never by branch or by text, so nothing about another member comes along.
- ``sources``: the outbound calls (intake, notify, object storage).
- ``archive``: the ZIP and its index (index.html, index.md, index.json).

docs/design.md, "Data protection", explains the choices.
"""
