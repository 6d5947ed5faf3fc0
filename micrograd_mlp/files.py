"""Atomic file writes, used for everything the package saves (checkpoints, IDX files, downloads,
pictures): a reader sees the old file or the complete new one, never a partial one, and an
interrupted write leaves the previous file intact."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "atomic_write_bytes", "remove_stale_temporaries"]

#: Errors of writing itself (a full disk, a quota, a read-only or failing device): re-raised
#: naming the destination file rather than the temporary one (or none).
_WRITE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EROFS")
    if hasattr(errno, name)
)
#: A temporary file of another naming (mkstemp's 8 characters, no process id: written by older
#: versions) counts as stale once it is this old, in seconds.
_UNTAGGED_STALE_AFTER = 3600.0


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

    The temporary file is named ``.<name>.<pid>-<random>.tmp``; one left behind by a process
    that was killed mid-write is removed by the next write of the same file
    (:func:`remove_stale_temporaries`).

    Every error of the write itself names ``path``, the file the caller asked for, never the
    temporary file (which the caller never heard of): ``Is a directory: 'out/page.html'``,
    ``Permission denied: 'out/page.html'``, as ``open(path, "wb")`` would say.

    Raises:
        FileNotFoundError: the directory of ``path`` does not exist (it is not created).
        OSError: the directory cannot be written, ``path`` is a directory, or a full disk (or
            quota, read-only or failing device) while writing; with its ``errno``, naming
            ``path``.
    """
    path = Path(path)
    remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp"
        )
    except OSError as error:
        if error.errno is None:
            raise
        raise _naming(error, path) from error
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        # The temporary file's own errors (renaming it onto a directory, ...) and the device's
        # (a full disk while writing, reported without a file name) name the caller's path.
        ours = isinstance(error, OSError) and error.errno is not None and (
            error.filename == tmp or (error.filename is None and error.errno in _WRITE_ERRNOS)
        )
        if ours:
            raise _naming(error, path) from error
        raise


def _naming(error: OSError, path: Path) -> OSError:
    """``error`` again (the same errno and so the same ``OSError`` subclass), naming ``path``."""
    strerror = error.strerror or os.strerror(error.errno)
    return OSError(error.errno, strerror, str(path))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # maybe another thread of ours, writing right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # a process of another user: not ours to judge
    return True


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that interrupted writes of ``path`` left behind.

    A temporary file of :func:`atomic_write` is stale when the process named in it no longer
    runs (it was killed mid-write); one without a process id (older versions) when it is over
    an hour old. Files of running processes are never touched.

    Returns:
        The files removed.
    """
    path = Path(path)
    prefix = f".{path.name}."
    removed = []
    for name in glob.glob(glob.escape(str(path.parent / prefix)) + "*.tmp"):
        candidate = Path(name)
        middle = candidate.name[len(prefix) : -len(".tmp")]
        tagged = re.fullmatch(r"(\d+)-\w+", middle)
        try:
            if tagged:
                stale = not _alive(int(tagged.group(1)))
            else:
                old = time.time() - candidate.stat().st_mtime > _UNTAGGED_STALE_AFTER
                stale = bool(re.fullmatch(r"\w{8}", middle)) and old
            if stale:
                candidate.unlink()
                removed.append(candidate)
        except FileNotFoundError:
            continue  # removed meanwhile by someone else
    return removed


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
