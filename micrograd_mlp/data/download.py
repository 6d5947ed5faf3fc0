"""Fetch a file from a list of mirrors with an MD5 check and a progress bar, atomically."""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Collection, Sequence
from pathlib import Path

from micrograd_mlp.files import atomic_write
from micrograd_mlp.messages import CatalogueError
from micrograd_mlp.progress import progress_bar

__all__ = ["DownloadError", "download_file", "md5sum"]

_CHUNK = 1 << 16
_USER_AGENT = "micrograd-mlp (https://pypi.org/project/micrograd-mlp/)"


class DownloadError(CatalogueError, OSError):
    """Every mirror failed; the message lists each URL tried and why it failed.

    Raised as ``DownloadError(key, **fields)`` with a key of the ``errors`` catalogue
    (``error.text("ko")`` gives it in Korean)."""


class _ChecksumMismatch(Exception):
    pass


def md5sum(path: str | os.PathLike[str]) -> str:
    """The MD5 of a file's bytes as 32 lowercase hex digits (read in 64 KiB chunks)."""
    digest = hashlib.md5(usedforsecurity=False)  # an integrity check, not security
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, dest: Path, md5s: Collection[str], progress: bool, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, atomic_write(dest) as f:
        length = response.headers.get("Content-Length")
        digest = hashlib.md5(usedforsecurity=False)
        with progress_bar(
            total=int(length) if length and length.isdigit() else None,
            desc=dest.name,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            enabled=progress,
        ) as bar:
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
        actual = digest.hexdigest()
        if actual not in md5s:
            # Raised inside atomic_write: the temporary file is deleted, dest is not created.
            raise _ChecksumMismatch(
                f"MD5 mismatch for {dest.name}: expected {' or '.join(md5s)}, got {actual}; "
                "the download was discarded"
            )


def download_file(
    mirrors: Sequence[str],
    filename: str,
    dest_dir: str | os.PathLike[str],
    md5s: Collection[str],
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download ``filename`` from the first mirror that serves it with an accepted MD5.

    Each mirror is a base URL; the file's URL is the base, a ``/`` and ``filename``. The bytes
    go to a temporary file in ``dest_dir`` (created if needed), are hashed on the way and are
    moved onto ``dest_dir / filename`` only when their MD5 is one of ``md5s``, so a failed or
    corrupt download never leaves a file behind.

    Args:
        mirrors: base URLs, tried in order (a single string is one mirror).
        filename: the file's name, both on the server and locally.
        dest_dir: the local directory.
        md5s: accepted MD5 digests (lowercase hex).
        progress: show a progress bar (bytes) on stderr, where one is seen
            (:func:`micrograd_mlp.progress.progress_bar`).
        timeout: seconds to wait for a server's response, per blocking operation.

    Returns:
        The path of the downloaded file.

    Raises:
        DownloadError: (an ``OSError``) no mirror gave a file with an accepted MD5; the message
            names every URL and its failure (e.g. the expected and actual MD5).
    """
    if isinstance(mirrors, str):  # one URL, not a sequence of one-character "mirrors"
        mirrors = (mirrors,)
    dest = Path(dest_dir) / filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not mirrors:
        raise DownloadError("errors.download.no_mirrors", filename=filename)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        try:
            _fetch(url, dest, md5s, progress, timeout)
            return dest
        except (OSError, http.client.HTTPException, _ChecksumMismatch) as exc:
            # URLError (and its HTTPError) and timeouts are OSErrors; a connection cut short
            # is an http.client.IncompleteRead.
            plain = isinstance(exc, urllib.error.URLError) and not hasattr(exc, "code")
            failures.append(f"{url}: {exc.reason if plain else exc}")
    raise DownloadError(
        "errors.download.failed",
        filename=filename,
        dir=dest.parent,
        failures="\n  ".join(failures),
    )
