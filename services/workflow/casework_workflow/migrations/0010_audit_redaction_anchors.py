"""Audit records that can lose their personal content and still verify
(docs/design.md, 'The audit trail: redaction, anchors, access reviews').

- ``audit_log.scheme``: 1 for every record written before this migration (its hash covers its
  full content, as before; nothing about those records is changed or recomputed here, so their
  history stays exactly as it was written), 2 for records written since (audit.py): the chain
  hash covers a ``content_digest`` of the personal content (actor, resource, detail and a random
  ``content_salt``) instead of the content itself. The server default stays 1, so a process still
  running the old code during an upgrade writes honest scheme-1 records, not broken scheme-2 ones.
- ``redacted_at``: when the record's content was cleared (audit.redact_case).
- The append-only trigger now allows exactly one UPDATE, and only as part of an erasure: a
  scheme-2 record not yet redacted has its content replaced by the redaction marker (detail
  ``{"redacted": true}``, no resource, no salt; the actor ``[redacted]`` when the actor was the
  member, else unchanged) and ``redacted_at`` set, with every chained field unchanged; and its
  case has a ``case_record`` row in ``data_erasures`` (migration 0009). A case-less record may be
  redacted only if it lists an erased case in ``detail.cases`` next to a member's identity (a
  member actor or a ``member:`` resource); its marker is ``{"redacted": true, "erased_case": id}``
  naming that case (audit.py's docstring says why). Every other UPDATE, any DELETE, and TRUNCATE
  are refused. (A superuser can still bypass triggers; the signed anchors outside the
  database, audit_anchors.py, are what detect that.)
- An index on ``audit_log.at``: access reviews (access_review.py) select a period's records.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

_GUARD = """
CREATE FUNCTION audit_log_redaction_only() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    named text := NEW.detail->>'erased_case';
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.scheme = 2 AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_role = OLD.actor_role
       AND NEW.action = OLD.action AND NEW.case_id IS NOT DISTINCT FROM OLD.case_id
       AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
       AND NEW.scheme = OLD.scheme AND NEW.content_digest = OLD.content_digest
       AND NEW.resource IS NULL AND NEW.content_salt IS NULL
       AND ((OLD.actor_role <> 'member' AND NEW.actor = OLD.actor)
            OR (OLD.actor_role = 'member' AND NEW.actor = '[redacted]'))
       AND (
            -- A record of a case whose record has been erased.
            (OLD.case_id IS NOT NULL
             AND NEW.detail = '{"redacted": true}'::jsonb
             AND EXISTS (SELECT 1 FROM data_erasures e WHERE e.case_id = OLD.case_id AND e.kind = 'case_record'))
            -- A case-less record that lists an erased case next to a member's identity (the member
            -- as actor, or a member:<number> resource); the marker names that case.
            OR (OLD.case_id IS NULL
                AND (OLD.actor_role = 'member' OR OLD.resource LIKE 'member:%')
                AND jsonb_typeof(NEW.detail->'erased_case') = 'string'
                AND NEW.detail = jsonb_build_object('redacted', true, 'erased_case', named)
                AND jsonb_typeof(OLD.detail->'cases') = 'array'
                AND OLD.detail->'cases' @> jsonb_build_array(named)
                AND named ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                AND EXISTS (SELECT 1 FROM data_erasures e WHERE e.case_id = named::uuid AND e.kind = 'case_record'))
       )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused (only the redaction of an erased case''s records is allowed)',
        TG_TABLE_NAME, TG_OP;
END $$"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("scheme", sa.SmallInteger, nullable=False, server_default="1"))
    op.add_column("audit_log", sa.Column("content_salt", sa.Text))
    op.add_column("audit_log", sa.Column("content_digest", sa.Text))
    op.add_column("audit_log", sa.Column("redacted_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(
        "audit_log_scheme",
        "audit_log",
        "(scheme = 1 AND content_digest IS NULL AND content_salt IS NULL AND redacted_at IS NULL)"
        " OR (scheme = 2 AND content_digest IS NOT NULL AND (content_salt IS NOT NULL OR redacted_at IS NOT NULL))",
    )
    op.create_index("audit_log_at", "audit_log", ["at"])
    op.execute(_GUARD)
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_redaction_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute("DROP FUNCTION audit_log_redaction_only()")
    op.drop_constraint("audit_log_scheme", "audit_log")
    op.drop_index("audit_log_at", "audit_log")
    for name in ("redacted_at", "content_digest", "content_salt", "scheme"):
        op.drop_column("audit_log", name)
