"""Atomic file writes, used for everything the package saves (checkpoints, IDX files, downloads,
pictures): a reader sees the old file or the complete new one, never a partial one, and an
interrupted write leaves the previous file intact."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "atomic_write_bytes"]


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; on success move it onto ``path``.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one
    file system), is flushed and fsync'ed before the rename, and gets the permissions a new file
    would get from ``open()`` (mkstemp's are 0600). On any exception it is deleted and ``path``
    is left as it was.

    Raises:
        FileNotFoundError: the directory of ``path`` does not exist (it is not created).
        OSError: the directory cannot be written.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`), creating missing parent
    directories first (pictures go into output folders the demos create on demand).

    Returns:
        The written path as a ``pathlib.Path``.

    Raises:
        OSError: the directory cannot be created or written (no temporary file is left).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(target) as f:
        f.write(data)
    return target
