"""Word processor files (DOCX, ODT, RTF, DOC) to PDF with LibreOffice: the one way ocr (to read
them) and bundle (to put them in a bundle) convert them."""

from __future__ import annotations

import subprocess
from pathlib import Path


class ConversionError(Exception):
    """The file could not be converted; the message is for the person who uploaded it."""


def convert_to_pdf(soffice: str, source: Path, work_dir: Path, timeout_s: float) -> Path:
    """Convert ``source`` to PDF under ``work_dir`` (which this call may fill) and return the PDF's path.

    Each conversion runs with a private LibreOffice profile inside ``work_dir``: concurrent
    conversions sharing one profile block or fail each other.
    """
    outdir = work_dir / "lo-out"
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (work_dir / "lo-profile").as_uri()
    try:
        subprocess.run(  # noqa: S603 - fixed argv; the file is data, never a command
            [
                soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=False,
            capture_output=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as exc:
        raise ConversionError(f"The document could not be converted within {timeout_s:g}s.") from exc
    converted = outdir / f"{source.stem}.pdf"
    if not converted.exists():
        raise ConversionError("The document could not be converted (it may be corrupt or password protected).")
    return converted
