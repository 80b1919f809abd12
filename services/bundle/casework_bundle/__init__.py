"""Hearing and tribunal bundles (docs/design.md, 'Bundles shared with solicitors')."""
