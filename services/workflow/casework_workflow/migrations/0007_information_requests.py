"""Subject access and freedom of information requests a rep makes for a case.

Revision ID: 0007
Revises: 0006
"""

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
