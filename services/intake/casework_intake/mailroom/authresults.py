"""What the union's receiving mail server found about a message's sender (RFC 8601
Authentication-Results), read with ``authres`` (pure).

Only header fields whose authserv-id is the configured one are believed: that server removes any
such field a sender put in, and any other field may be forged. The mailroom fails closed: a
message's sender is confirmed only when a trusted field is present, every trusted field can be
read, none says DMARC failed, and one says ``dmarc=pass`` (for the From domain, when it names
one), or ``dkim=pass`` / ``spf=pass`` for the From address's domain or a subdomain of it (DMARC's
relaxed alignment, kept simple). Anything else - no trusted field, an unreadable one, a pass for
some unrelated domain, no authserv-id configured at all - is "could not confirm": the message is
held for review (or refused, at the scanner address), never filed as its From address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import authres

# DMARC's result is parsed by authres only once its extension module is registered.
import authres.dmarc


@dataclass(frozen=True)
class Verdict:
    """``confirmed``: the trusted server vouches for the From address's domain; ``failed``: a
    trusted field said DMARC failed or could not be read; ``summary``: the results, e.g.
    "dkim=pass spf=fail dmarc=fail" (kept on held mail), None when no trusted field was found."""

    confirmed: bool
    failed: bool
    summary: str | None


NOT_CHECKED = Verdict(confirmed=False, failed=False, summary=None)


def aligned(domain: str | None, from_domain: str) -> bool:
    """True when ``domain`` (a passing SPF or DKIM identity) is the From domain or a subdomain of it."""
    found = (domain or "").strip().strip("<>").rsplit("@", 1)[-1].strip(".").lower()
    return bool(found) and (found == from_domain or found.endswith("." + from_domain))


def judge(fields: Iterable[str], authserv_id: str | None, sender: str) -> Verdict:
    """The verdict of a message's Authentication-Results field values (without the field name) for
    the From address ``sender``, believing only fields from ``authserv_id`` (unset: nothing can be
    confirmed)."""
    if not authserv_id:
        return NOT_CHECKED
    wanted = authserv_id.strip().lower()
    from_domain = sender.rsplit("@", 1)[-1].strip().strip(".").lower()
    results: list[tuple[str, str, dict[str, str]]] = []
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
        except (authres.AuthResError, ValueError, TypeError, IndexError):  # junk: nothing in it is believed
            unreadable = True
            continue
        for result in parsed.results:
            properties = {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}
            results.append((str(result.method).lower(), str(result.result).lower(), properties))
    if not checked:
        return NOT_CHECKED
    dmarc_failed = any(method == "dmarc" and result == "fail" for method, result, _ in results)
    confirmed = False
    for method, result, properties in results:
        if result != "pass" or not from_domain:
            continue
        if method == "dmarc":
            named = properties.get("header.from")
            confirmed |= named is None or named.strip().lower() == from_domain
        elif method == "dkim":
            confirmed |= aligned(properties.get("header.d") or properties.get("header.i"), from_domain)
        elif method == "spf":
            confirmed |= aligned(properties.get("smtp.mailfrom"), from_domain)
    summary = " ".join(f"{method}={result}" for method, result, _ in results)
    if unreadable:
        summary = (summary + " (a field could not be read)").strip()
    failed = dmarc_failed or unreadable
    return Verdict(confirmed=confirmed and not failed, failed=failed, summary=summary or "none")
