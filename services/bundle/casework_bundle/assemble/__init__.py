"""PDF assembly of hearing and tribunal bundles: the library the bundle service calls.

Public interface: the model types, ``parse_tesseract_tsv``, ``order_documents``, ``render_text_pdf`` and
``build_bundle``.
"""

from casework_bundle.assemble.build import build_bundle
from casework_bundle.assemble.model import (
    BuiltBundle,
    BundleOptions,
    IndexRow,
    PageWords,
    Redaction,
    SourceDocument,
    Word,
)
from casework_bundle.assemble.order import order_documents
from casework_bundle.assemble.text_pdf import render_text_pdf
from casework_bundle.assemble.tsv import parse_tesseract_tsv

__all__ = [
    "BuiltBundle",
    "BundleOptions",
    "IndexRow",
    "PageWords",
    "Redaction",
    "SourceDocument",
    "Word",
    "build_bundle",
    "order_documents",
    "parse_tesseract_tsv",
    "render_text_pdf",
]
