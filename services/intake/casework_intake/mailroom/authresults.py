"""What the union's receiving mail server found about a message's sender (RFC 8601
Authentication-Results), read with ``authres`` (pure).

Only header fields whose authserv-id is the configured one are believed: that server removes any
such field a sender put in, and any other field may be forged. A message fails when DMARC failed;
or when DKIM failed and no DKIM signature passed; or when SPF failed and there is no DMARC result
(DMARC, where present, already weighs SPF and DKIM). Nothing else fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import authres

# DMARC's result is parsed by authres only once its extension module is registered.
import authres.dmarc


@dataclass(frozen=True)
class Verdict:
    """``checked``: a trusted field was present; ``failed``: it says the sender may be forged;
    ``summary``: the results, e.g. "dkim=pass spf=fail dmarc=fail" (kept on held mail)."""

    checked: bool
    failed: bool
    summary: str | None


NOT_CHECKED = Verdict(checked=False, failed=False, summary=None)


def judge(fields: Iterable[str], authserv_id: str | None) -> Verdict:
    """The verdict of a message's Authentication-Results field values (without the field name),
    believing only those from ``authserv_id`` (unset: nothing is checked). A trusted field that
    cannot be parsed is not a failure, but says so in the summary."""
    if not authserv_id:
        return NOT_CHECKED
    wanted = authserv_id.strip().lower()
    results: list[tuple[str, str]] = []
    checked = False
    unreadable = False
    for value in fields:
        # The authserv-id is the value's first token, up to ";" (a version may follow it).
        head = str(value).split(";", 1)[0].split()
        if not head or head[0].strip().lower() != wanted:
            continue
        checked = True
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(" ".join(str(value).split()))
        except (authres.AuthResError, ValueError, TypeError, IndexError):  # junk: a bad field proves nothing
            unreadable = True
            continue
        results.extend((str(r.method).lower(), str(r.result).lower()) for r in parsed.results)
    if not checked:
        return NOT_CHECKED
    methods = {method for method, _ in results}
    outcomes = {(method, result) for method, result in results}
    failed = (
        ("dmarc", "fail") in outcomes
        or (("dkim", "fail") in outcomes and ("dkim", "pass") not in outcomes)
        or (("spf", "fail") in outcomes and "dmarc" not in methods)
    )
    summary = " ".join(f"{method}={result}" for method, result in results)
    if unreadable:
        summary = (summary + " (a field could not be read)").strip()
    return Verdict(checked=True, failed=failed, summary=summary or "none")
