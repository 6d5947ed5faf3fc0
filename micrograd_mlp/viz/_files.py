"""Atomic file writes for the pictures this package saves."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["atomic_write_bytes"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a hidden temporary file in the same directory (same file system, so the
    final ``os.replace`` is an atomic rename), are flushed to disk, then renamed over ``path``.
    Missing parent directories are created. The file gets the usual permissions (0o666 minus
    the umask), not the 0o600 of ``tempfile``.

    Returns:
        The written path as a ``pathlib.Path``.

    Raises:
        OSError: the directory cannot be created or written (the temporary file is removed).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
