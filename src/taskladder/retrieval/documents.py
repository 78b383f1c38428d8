"""Documents for retrieval: load a task's ``documents:`` (folders or files) as plain text.

Supported: .txt/.text, .md/.markdown, .html/.htm (tags stripped, headings kept as ``#``
lines), .pdf (only with the optional ``pypdf``). A document's id is its path relative to the
task folder (POSIX separators), so ids, and the chunk ids built from them, are the same on
every machine and can be named as gold sources in the data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ..errors import DataError, TaskladderError
from .html_text import html_to_text
from .pdf_text import pdf_to_text

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
_MD_TITLE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class Document(BaseModel):
    id: str  # stable relative path, e.g. "docs/setup.md"
    path: str  # where it was read from
    text: str
    title: str

    model_config = {"frozen": True}


def load_documents(paths: Sequence[str | Path], base_dir: Path) -> list[Document]:
    """Read every supported file under ``paths`` (folders recursively), in a stable order.

    Relative paths resolve from ``base_dir`` (the task YAML's folder). Files with other
    suffixes inside a folder are skipped; a file named directly must be supported.
    """
    return [read_document(path, doc_id) for path, doc_id in document_files(paths, base_dir)]


def document_files(paths: Sequence[str | Path], base_dir: Path) -> list[tuple[Path, str]]:
    """``(file, document id)`` for every supported file under ``paths``, each file once."""
    base_dir = Path(base_dir)
    files: dict[str, Path] = {}
    for entry in paths:
        path = Path(entry).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.exists():
            raise TaskladderError(
                f"{path}: document path not found; check `documents:` (relative paths resolve from {base_dir})"
            )
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
            skipped = sum(1 for p in path.rglob("*") if p.is_file() and p.suffix.lower() not in SUPPORTED)
            if skipped:
                log.info("%s: skipped %d files that are not %s", path, skipped, "/".join(sorted(SUPPORTED)))
            pairs = [(p, _doc_id(p, base_dir, path)) for p in found]
        elif path.suffix.lower() in SUPPORTED:
            pairs = [(path, _doc_id(path, base_dir, path.parent))]
        else:
            raise DataError(
                str(path), f"unsupported document type '{path.suffix}'; use one of {', '.join(sorted(SUPPORTED))}"
            )
        for file, doc_id in pairs:
            files.setdefault(doc_id, file)  # a file listed twice (or in two listed folders) counts once
    if not files:
        listed = ", ".join(str(p) for p in paths) or "(none)"
        raise TaskladderError(f"no documents found in {listed}; add .txt, .md, .html or .pdf files")
    return [(file, doc_id) for doc_id, file in files.items()]


def read_document(path: Path, doc_id: str) -> Document:
    """One file as a ``Document`` (text normalised to ``\\n`` line ends)."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        text, title = pdf_to_text(path)
    elif suffix in HTML_SUFFIXES:
        text, title = html_to_text(_decode(path))
    else:
        text, title = _decode(path), ""
    if not title:
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else path.stem
    return Document(id=doc_id, path=str(path), text=text, title=title)


def _doc_id(path: Path, base_dir: Path, root: Path) -> str:
    """Relative to the task folder when inside it; otherwise relative to the listed folder's
    parent (so ``/elsewhere/manual/a.md`` listed as a folder is ``manual/a.md``)."""
    for anchor in (base_dir, root.parent):
        try:
            return path.resolve().relative_to(anchor.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise DataError(str(path), "unreadable text encoding; re-save the file as UTF-8") from None
        text = str(best)
    return text.replace("\r\n", "\n").replace("\r", "\n")
