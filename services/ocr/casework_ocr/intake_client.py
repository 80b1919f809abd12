"""Hands files found inside evidence (attachments, archive members) to intake, which stores
and records them as evidence items of their own. Streamed, with the service's own token."""

from __future__ import annotations

import requests
from requests_toolbelt import MultipartEncoder

from casework_common.service_token import ServiceTokenProvider
from casework_ocr.extractors import Child


class IntakeClient:
    def __init__(self, url: str, tokens: ServiceTokenProvider) -> None:
        self.url = url.rstrip("/")
        self.tokens = tokens

    def add_child(self, parent_id: str, index: int, child: Child) -> str | None:
        """The child's evidence id, or None if intake refused it (nested too deep)."""
        with child.path.open("rb") as handle:
            body = MultipartEncoder(
                fields=[("index", str(index)), ("file", (child.filename, handle, child.content_type))]
            )
            response = requests.post(
                f"{self.url}/v1/evidence/{parent_id}/children",
                data=body,
                timeout=600,
                headers={"Content-Type": body.content_type, "Authorization": f"Bearer {self.tokens.token()}"},
            )
        if response.status_code == 422:
            return None
        response.raise_for_status()
        return response.json()["id"]
