"""PDF text, when the optional ``pypdf`` package is installed."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError


def pdf_to_text(path: Path) -> tuple[str, str]:
    """``(text, title)``: each page's text, pages separated by a blank line."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise DataError(str(path), "reading PDF documents needs pypdf; run: pip install pypdf") from None
    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        metadata = reader.metadata
        title = str((metadata.get("/Title") if metadata else None) or "")
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise DataError(str(path), f"unreadable PDF ({exc}); re-export it or convert it to text") from None
    return "\n\n".join(p for p in pages if p) + "\n", title.strip()
