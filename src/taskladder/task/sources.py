"""Where a data path points: a local file, or an http(s) URL fetched once into the store.

With ``--data DIR``, a URL reads ``DIR/<file name of the URL>`` instead, so a task that
names public files by URL also runs on a local copy, offline.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlparse

from ..errors import DataError
from ..settings import Settings
from .spec import resolve


def is_url(path: str) -> bool:
    return urlparse(path).scheme in ("http", "https")


def locate(path: str, base: Path, data_dir: Path | None = None, *, downloads: Path | None = None) -> Path:
    """A local data path resolved from ``base``, or a URL's copy under ``downloads``
    (default: the settings' downloads folder, ``<TASKLADDER_HOME>/downloads``)."""
    if not is_url(path):
        return resolve(data_dir or base, path)
    name = Path(urlparse(path).path).name or "data"
    if data_dir is not None:
        return data_dir / name
    folder = downloads if downloads is not None else Settings.from_env().downloads_dir
    target = folder / f"{hashlib.sha256(path.encode()).hexdigest()[:12]}-{name}"
    if not target.exists():
        _download(path, target)
    return target


def _download(url: str, target: Path) -> None:
    import httpx

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        with httpx.stream("GET", url, timeout=60, follow_redirects=True) as resp:
            resp.raise_for_status()
            with partial.open("wb") as fh:
                for chunk in resp.iter_bytes():
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise DataError(url, f"cannot download ({type(exc).__name__}); pass --data DIR with a local copy of '{target.name.split('-', 1)[1]}'") from None
    partial.replace(target)  # never leave a half-downloaded file under the final name
