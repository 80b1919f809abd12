"""Signed anchors of the audit chain's head, kept write-once outside the database
(docs/design.md, 'The audit trail: redaction, anchors, access reviews').

The chain in Postgres (audit.py) shows any edit by someone who cannot also recompute the hashes
after it and the head. A database superuser can. So, at ``audit_anchor_interval_s``, the workflow
process signs the current head (record id, hash, time) with an Ed25519 key that Postgres never
sees and writes it as a small JSON object to ``audit_anchor_bucket`` under a COMPLIANCE-mode
object lock: until ``audit_anchor_retention_days`` have passed nobody, the S3 administrator
included, can delete it, shorten its lock or replace it (a second write to the same key is a new
version; the locked one stays and is checked too). :func:`verify_against_anchors` then holds the
chain to every anchor: a rewritten record before an anchor changes that anchor's record's hash.

Anchoring is itself audited: before signing, the anchorer appends an ``audit.anchored`` record and
signs the head *including* that record. "The head moved since the last anchor" is then simply "the
head is not an ``audit.anchored`` record", which stays true for every replica of the service, and
an idle log is not anchored again and again. Before signing, the anchorer checks that the chain
still has the hash of the newest anchor in the bucket and verifies every record after it, so it
never vouches for a chain that is broken or contradicts an earlier anchor. Records written since
the last anchor are protected only inside the database until the next one: the interval is the
window in which a superuser's rewrite would go unseen.

Without a signing key anchoring is off: the readiness answer and the log say so.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention
from sqlalchemy import Engine, select

from casework_common import runtime, storage
from casework_common.auth import SERVICE_ROLE, Principal
from casework_workflow import audit
from casework_workflow.tables import audit_head, audit_log

log = logging.getLogger(__name__)

ANCHORED = "audit.anchored"
PREFIX = "anchors/"
FORMAT = "casework-audit-anchor/1"
#: Who anchors: the service itself (named in the ``audit.anchored`` records).
SYSTEM = Principal(subject="service:workflow:audit-anchor", username="workflow", roles=frozenset({SERVICE_ROLE}))


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """The signing key from its PEM (PKCS#8, unencrypted); ValueError if it is not Ed25519."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key must be an Ed25519 private key")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    """A verification key from its PEM (SubjectPublicKeyInfo); ValueError if it is not Ed25519."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("an audit verification key must be an Ed25519 public key")
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    """The PEM of a signing key's public half (for auditors who verify without the private key)."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def object_key(record_id: int) -> str:
    """Where the anchor of the chain head at ``record_id`` is written."""
    return f"{PREFIX}{record_id:016d}.json"


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class Anchor:
    """One signed statement "the chain's head was record ``record_id`` with ``hash`` at ``at``"."""

    record_id: int
    hash: str
    at: str
    key_id: str
    signature: str = ""

    def payload(self) -> dict[str, Any]:
        """What the signature covers: every field but the signature itself (canonical JSON of this)."""
        return {"format": FORMAT, "record_id": self.record_id, "hash": self.hash, "at": self.at, "key_id": self.key_id}

    def to_json(self) -> bytes:
        """The stored object: the payload and its base64 signature, as canonical JSON bytes."""
        return _canonical({**self.payload(), "signature": self.signature})

    @classmethod
    def sign(cls, record_id: int, chain_hash: str, key: Ed25519PrivateKey, at: dt.datetime) -> Anchor:
        """An anchor of (``record_id``, ``chain_hash``) signed now by ``key``."""
        unsigned = cls(record_id, chain_hash, at.astimezone(dt.UTC).isoformat(), key_id(key.public_key()))
        signature = base64.b64encode(key.sign(_canonical(unsigned.payload()))).decode()
        return cls(unsigned.record_id, unsigned.hash, unsigned.at, unsigned.key_id, signature)

    @classmethod
    def parse(cls, data: bytes) -> Anchor:
        """An anchor from its stored JSON; ValueError if it is not one."""
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} document")
            return cls(
                int(doc["record_id"]), str(doc["hash"]), str(doc["at"]), str(doc["key_id"]), str(doc["signature"])
            )
        except (KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not an anchor: {exc}") from exc

    def signed_by(self, keys: Iterable[Ed25519PublicKey]) -> bool:
        """Whether one of ``keys`` (the one named by ``key_id``) made this signature."""
        for key in keys:
            if key_id(key) != self.key_id:
                continue
            try:
                key.verify(base64.b64decode(self.signature, validate=True), _canonical(self.payload()))
                return True
            except (InvalidSignature, ValueError):
                return False
        return False


def ensure_anchor_bucket(client: Minio, bucket: str) -> None:
    """Create the anchor bucket with object locking (which also turns versioning on) if missing.

    Each anchor carries its own COMPLIANCE retention (:meth:`Anchorer.write`), so no bucket default
    is needed. The configured server-side encryption becomes the bucket's default, as for every
    other bucket (storage.encrypt_bucket).
    """
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket, object_lock=True)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    storage.encrypt_bucket(client, bucket)


class Anchorer:
    """Writes anchors: once (:meth:`anchor_once`, the ``anchor-audit`` command) or at an interval (:meth:`run`)."""

    def __init__(
        self,
        engine: Engine,
        client: Minio,
        bucket: str,
        key: Ed25519PrivateKey,
        retention_days: int,
        interval_s: float,
    ) -> None:
        self._engine = engine
        self._client = client
        self._bucket = bucket
        self._key = key
        self._retention = dt.timedelta(days=retention_days)
        self._interval_s = interval_s
        # The last head this process verified and anchored: the next check starts after it.
        self._verified: tuple[int, str] | None = None
        self._bucket_ready = False
        self.last_error: str | None = None

    def anchor_once(self) -> Anchor | None:
        """Anchor the chain's head now unless it already is; returns the anchor written, if any.

        Raises RuntimeError (nothing signed) if the records since the last anchor do not verify.
        """
        if not self._bucket_ready:
            ensure_anchor_bucket(self._client, self._bucket)
            self._bucket_ready = True
        with self._engine.begin() as conn:
            head = conn.execute(select(audit_head).with_for_update()).one()
            if head.last_id == 0:
                return None  # an empty log: nothing to vouch for
            last_action = conn.execute(select(audit_log.c.action).where(audit_log.c.id == head.last_id)).scalar_one()
            if last_action != ANCHORED:
                # Appended (and committed) before the S3 write below: if that write fails, the head
                # stays this audit.anchored record, so the next attempt finds it, appends nothing and
                # signs this same head. The record claims only that anchoring was attempted; an
                # anchor missing behind it is what verify_against_anchors reports.
                audit.record(conn, SYSTEM, ANCHORED, detail={"head_before": head.last_id, "bucket": self._bucket})
                head = conn.execute(select(audit_head)).one()
        if self._verified == (head.last_id, head.last_hash):
            return None  # this process anchored exactly this head already
        if self._verified is None:
            self._verified = self._latest_anchor()
        with self._engine.connect() as conn:
            verdict, _ = audit.verify_with_hashes(conn, set(), start=self._verified, upto=head.last_id)
        if not verdict.intact or verdict.head_hash != head.last_hash:
            # Start again from the newest anchor next time: if the chain was put right meanwhile,
            # anchoring resumes; if it contradicts that anchor, it stays refused (and logged).
            self._verified = None
            where = f"at record {verdict.broken_at}: {verdict.reason}" if not verdict.intact else "at its head"
            raise RuntimeError(f"audit chain does not verify {where}; not anchored")
        key = object_key(head.last_id)
        if self._exists(key):
            self._verified = (head.last_id, head.last_hash)  # another replica anchored this head
            return None
        anchor = self.write(head.last_id, head.last_hash)
        self._verified = (head.last_id, head.last_hash)
        return anchor

    def write(self, record_id: int, chain_hash: str) -> Anchor:
        """Sign (``record_id``, ``chain_hash``) and write it under a COMPLIANCE lock."""
        now = dt.datetime.now(dt.UTC)
        anchor = Anchor.sign(record_id, chain_hash, self._key, now)
        data = anchor.to_json()
        self._client.put_object(
            self._bucket,
            object_key(record_id),
            io.BytesIO(data),
            len(data),
            content_type="application/json",
            retention=Retention(COMPLIANCE, now + self._retention),
        )
        log.info("audit chain anchored", extra={"record_id": record_id, "bucket": self._bucket})
        return anchor

    def _latest_anchor(self) -> tuple[int, str] | None:
        """The newest anchor this key signed, checked against the database: (record id, hash).

        Raises RuntimeError if the chain contradicts it (a record it vouches for is gone or has
        another hash): a rewritten chain is never signed.
        """
        names = sorted(
            (obj.object_name for obj in self._client.list_objects(self._bucket, prefix=PREFIX, recursive=True)),
            reverse=True,
        )
        own = [self._key.public_key()]
        for name in names:
            response = self._client.get_object(self._bucket, name)
            try:
                data = response.read()
            finally:
                response.close()
                response.release_conn()
            try:
                anchor = Anchor.parse(data)
            except ValueError:
                log.warning("not an audit anchor", extra={"bucket": self._bucket, "key": name})
                continue
            if not anchor.signed_by(own):
                log.warning("audit anchor not signed by this key", extra={"bucket": self._bucket, "key": name})
                continue
            with self._engine.connect() as conn:
                stored = conn.execute(
                    select(audit_log.c.hash).where(audit_log.c.id == anchor.record_id)
                ).scalar_one_or_none()
            if stored != anchor.hash:
                raise RuntimeError(
                    f"the audit chain contradicts the anchor of record {anchor.record_id} written at {anchor.at}"
                )
            return anchor.record_id, anchor.hash
        return None

    def _exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self._bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise

    def run(self, stop: threading.Event) -> None:
        """Anchor at the interval until ``stop`` is set; a failure (an S3 or database outage) is
        logged, kept in ``last_error`` for /readyz, and retried next time."""
        runtime.periodic("audit anchoring", self._pass, self._interval_s)(stop)

    def _pass(self) -> None:
        try:
            self.anchor_once()
        except Exception as exc:
            self.last_error = str(exc)
            raise
        self.last_error = None


@dataclass
class AnchorReport:
    """What :func:`verify_against_anchors` found."""

    chain: audit.Verdict
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """The chain verifies in the database and no anchor (or missing anchor) was a problem."""
        return self.chain.intact and not self.problems


def read_anchors(client: Minio, bucket: str) -> list[tuple[str, str | None, bytes]]:
    """Every version of every object under the anchor prefix: (key, version id, bytes)."""
    found = []
    for obj in client.list_objects(bucket, prefix=PREFIX, recursive=True, include_version=True):
        if obj.is_delete_marker:
            continue  # a delete marker hides nothing here: every version is listed and checked
        response = client.get_object(bucket, obj.object_name, version_id=obj.version_id)
        try:
            found.append((obj.object_name, obj.version_id, response.read()))
        finally:
            response.close()
            response.release_conn()
    return found


def verify_against_anchors(
    engine: Engine,
    client: Minio,
    bucket: str,
    keys: list[Ed25519PublicKey],
    interval: dt.timedelta = dt.timedelta(minutes=15),
) -> AnchorReport:
    """Check the chain in the database (audit.verify) and against every anchor in ``bucket``.

    Each anchor must be signed by one of ``keys``, name a record that exists, and give that
    record's hash; so the chain must reach at least the last anchor. A chain with records but no
    anchor at all (a missing or empty bucket, another bucket configured, anchors signed by other
    keys only) is a problem once anchoring must have run: the chain holds an ``audit.anchored``
    record, or its newest record is older than ``interval`` (the anchoring interval). Only a chain
    younger than one interval with no anchoring recorded yet passes without an anchor.
    """
    anchors: list[tuple[str, Anchor]] = []
    problems: list[str] = []
    if client.bucket_exists(bucket):
        for name, version, data in read_anchors(client, bucket):
            where = f"{name} (version {version})" if version else name
            try:
                anchor = Anchor.parse(data)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if not anchor.signed_by(keys):
                problems.append(f"{where}: signature not valid for the configured key(s) (key id {anchor.key_id})")
                continue
            if name != object_key(anchor.record_id):
                problems.append(f"{where}: names record {anchor.record_id}, not the record its key says")
                continue
            anchors.append((where, anchor))
    with engine.connect().execution_options(isolation_level=audit.ONE_SNAPSHOT) as conn:
        chain, hashes = audit.verify_with_hashes(conn, {a.record_id for _, a in anchors})
    for where, anchor in sorted(anchors, key=lambda item: item[1].record_id):
        stored = hashes.get(anchor.record_id)
        if stored is None:
            if chain.intact:
                problems.append(
                    f"the chain ends at record {chain.records}, but {where} (signed {anchor.at}) "
                    f"vouches for record {anchor.record_id}: records were removed"
                )
            # else the chain broke before this record; the in-database verdict already says where
        elif stored != anchor.hash:
            problems.append(
                f"record {anchor.record_id} is not the one anchored at {anchor.at} ({where}): "
                "the chain up to it was rewritten"
            )
    if not anchors and chain.records:
        problems.extend(_unanchored(engine, bucket, interval))
    return AnchorReport(chain, len(anchors), problems)


def _unanchored(engine: Engine, bucket: str, interval: dt.timedelta) -> list[str]:
    """Why a non-empty chain with no valid anchor is a problem, if it is one (see verify_against_anchors)."""
    with engine.connect() as conn:
        newest = conn.execute(select(audit_log.c.id, audit_log.c.at).order_by(audit_log.c.id.desc()).limit(1)).one()
        attempted = conn.execute(
            select(audit_log.c.id, audit_log.c.at)
            .where(audit_log.c.action == ANCHORED)
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).first()
    if attempted is not None:
        return [
            f"no anchor signed by the key(s) in {bucket}, but record {attempted.id} records anchoring at "
            f"{attempted.at.isoformat()}: the anchors are missing or another bucket or key is configured"
        ]
    if dt.datetime.now(dt.UTC) - newest.at > interval:
        return [
            f"no anchor in {bucket} although the newest record ({newest.id}, {newest.at.isoformat()}) is older "
            f"than the anchoring interval ({interval.total_seconds():g} s): the chain is not anchored"
        ]
    return []
