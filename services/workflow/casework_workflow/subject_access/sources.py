"""The subject-access assembler's outbound calls, in one place: intake (a case's evidence records),
notify (a person's notifications), organising (a member's target-list entries and recruitment
conversations) and object storage (evidence originals, extracted page texts).

Intake, notify and organising are asked with workflow's own service token: the data-protection
officer has no case access of their own, and these calls are made only after workflow has checked
that the caller is a dpo (or, for a member's own record, asked with the member's own token, so intake
itself decides what the member sees). Every answer other than the expected one is a 503 problem, never
a partial export that looks complete.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import requests
from minio import Minio
from minio.error import S3Error

from casework_common import storage, tracing
from casework_common.problems import unavailable
from casework_common.service_token import ServiceTokenProvider

log = logging.getLogger(__name__)


def original_key(case_id: str, evidence_id: str) -> str:
    """Where intake keeps an item's original bytes in the evidence bucket (uploads, mail, scans, children)."""
    return f"cases/{case_id}/{evidence_id}/original"


def page_prefix(evidence_id: str) -> str:
    """The text bucket prefix under which OCR writes an item's pages (casework_common.storage.page_text_key)."""
    return storage.page_text_key(evidence_id, 1).rsplit("/", 1)[0] + "/"


class Sources:
    """Intake, notify, organising and object storage as the assembler reads them."""

    def __init__(
        self,
        intake_url: str,
        notify_url: str,
        organising_url: str,
        tokens: ServiceTokenProvider,
        s3: Minio,
        evidence_bucket: str,
        text_bucket: str,
        timeout_s: float = 15.0,
    ) -> None:
        self.intake_url = intake_url.rstrip("/")
        self.notify_url = notify_url.rstrip("/")
        self.organising_url = organising_url.rstrip("/")
        self.tokens = tokens
        self.s3 = s3
        self.evidence_bucket = evidence_bucket
        self.text_bucket = text_bucket
        self.timeout_s = timeout_s
        self._session = requests.Session()

    @classmethod
    def from_settings(cls, settings: Any) -> Sources:
        """From WorkflowSettings: its intake, notify and organising URLs, service account and S3 settings."""
        return cls(
            settings.intake_url,
            settings.notify_url,
            settings.organising_url,
            ServiceTokenProvider.from_settings(settings),
            storage.make_client(settings),
            settings.evidence_bucket,
            settings.text_bucket,
            settings.subject_access_timeout_s,
        )

    def _get(self, what: str, url: str, token: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self._session.get(
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}", tracing.HEADER: tracing.format_traceparent()},
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise unavailable(f"The {what} could not be read; try again shortly.") from exc
        if response.status_code != 200:
            log.warning("subject access: %s answered %s", url, response.status_code)
            raise unavailable(f"The {what} could not be read; try again shortly.")
        return response.json()

    def case_evidence(self, case_id: str, token: str | None = None) -> list[dict[str, Any]]:
        """Every evidence record of the case: with ``token`` (a member's own), what intake shows them;
        without, all of them including reps-only ones (workflow's service token)."""
        body = self._get(
            "evidence list", f"{self.intake_url}/v1/cases/{case_id}/evidence", token or self.tokens.token()
        )
        return list(body["items"])

    def notifications(self, username: str) -> list[dict[str, Any]]:
        """Every notification notify holds for ``username`` (inbox, digest and e-mail records)."""
        body = self._get(
            "notifications",
            f"{self.notify_url}/v1/subject-access/notifications",
            self.tokens.token(),
            {"username": username},
        )
        return list(body["items"])

    def organising(self, membership_number: str) -> dict[str, Any]:
        """What organising holds about the member: ``target_entries`` carrying their number and the
        ``contacts`` (conversations) logged against those entries."""
        body = self._get(
            "recruitment records",
            f"{self.organising_url}/v1/subject-access/member",
            self.tokens.token(),
            {"membership_number": membership_number},
        )
        return {"target_entries": list(body["target_entries"]), "contacts": list(body["contacts"])}

    def page_keys(self, evidence_id: str) -> list[str]:
        """The keys of an item's extracted page texts, in page order (none before it was read)."""
        try:
            objects = self.s3.list_objects(self.text_bucket, prefix=page_prefix(evidence_id))
            return sorted(o.object_name for o in objects if o.object_name.endswith(".txt"))
        except S3Error as exc:
            raise unavailable("The extracted texts could not be read; try again shortly.") from exc

    def page_texts(self, keys: list[str]) -> list[str]:
        try:
            return [storage.read_text(self.s3, self.text_bucket, key) for key in keys]
        except S3Error as exc:
            raise unavailable("The extracted texts could not be read; try again shortly.") from exc

    def original(self, case_id: str, evidence_id: str) -> Iterator[bytes] | None:
        """An item's original bytes as stored, in chunks; None when the store no longer holds it (erased)."""
        try:
            obj = self.s3.get_object(self.evidence_bucket, original_key(case_id, evidence_id))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchVersion"):
                return None
            raise unavailable("An evidence original could not be read; try again shortly.") from exc
        return _chunks(obj)


def _chunks(obj: Any) -> Iterator[bytes]:
    try:
        yield from obj.stream(256 * 1024)
    finally:
        obj.close()
        obj.release_conn()
