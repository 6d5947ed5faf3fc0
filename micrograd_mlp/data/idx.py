"""Read and write IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.

Layout (LeCun, Cortes and Burges, "The MNIST database", section "the IDX file format"):

* bytes 0-1: zero; byte 2: the dtype code; byte 3: the number of dimensions ``ndim``;
* ``ndim`` sizes, each a big-endian unsigned 32-bit integer;
* the data, big-endian, in C order (the last index changes fastest), and nothing after it.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import sys
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.files import atomic_write
from micrograd_mlp.messages import CatalogueError, Phrase

__all__ = ["IDXError", "read_idx", "write_idx"]

#: dtype code -> element type as stored in the file (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# (kind, itemsize) of a NumPy dtype -> dtype code, for writing any byte order.
_CODES = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
_KNOWN = "0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64"
_GZIP_MAGIC = b"\x1f\x8b"
#: A compressed file whose header claims more data bytes than this is read in chunks of
#: ``_CHUNK`` before its array is made (every MNIST file is far smaller: 47 MB at most).
_ALLOCATE_AT_ONCE = 1 << 30
_CHUNK = 1 << 24


class IDXError(CatalogueError, ValueError):
    """A file is not a well-formed IDX file; the message names the file and the problem.

    Raised as ``IDXError(key, **fields)`` with a key of the ``errors`` catalogue
    (``error.text("ko")`` gives it in Korean)."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file into a NumPy array, checking everything the header promises.

    Gzip compression is recognised by the file's first two bytes (0x1f 0x8b), whatever its
    name, so ``foo-idx3-ubyte.gz`` and its uncompressed ``foo-idx3-ubyte`` both work.

    Args:
        path: the file.

    Returns:
        A writable array of the shape in the header and the native-byte-order version of the
        stored type: uint8, int8, int16, int32, float32 or float64 (codes 0x08, 0x09, 0x0B,
        0x0C, 0x0D, 0x0E). MNIST images give ``(N, 28, 28)`` uint8, labels ``(N,)`` uint8.

    Raises:
        IDXError: (a ``ValueError``) bad magic number (the first two bytes must be zero), an
            unknown dtype code, a truncated header, fewer or more data bytes than the product
            of the dimensions calls for, or a corrupt or truncated gzip stream. The message
            starts with the file name.
        OSError: the file cannot be opened (e.g. ``FileNotFoundError``).
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_stream(raw, path, file_size=os.fstat(raw.fileno()).st_size)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _read_stream(stream, path, file_size=None)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise IDXError("errors.idx.gzip", path=path, detail=exc) from exc


def _read_exact(stream: BinaryIO, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; return the number of bytes read (short only at EOF)."""
    done = 0
    while done < len(buffer):
        n = stream.readinto(buffer[done:])
        if not n:
            break
        done += n
    return done


def _read_stream(stream: BinaryIO, path: Path, file_size: int | None) -> np.ndarray:
    magic = bytearray(4)
    if _read_exact(stream, memoryview(magic)) < 4:
        raise IDXError("errors.idx.no_magic", path=path)
    if magic[:2] != b"\0\0":
        raise IDXError("errors.idx.bad_magic", path=path, magic=magic.hex())
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        raise IDXError("errors.idx.dtype", path=path, code=code, known=_KNOWN)
    dims = bytearray(4 * ndim)
    if _read_exact(stream, memoryview(dims)) < len(dims):
        raise IDXError("errors.idx.short_header", path=path, ndim=ndim, need=len(dims))
    shape = struct.unpack(f">{ndim}I", dims)
    stored = IDX_DTYPES[code]
    nbytes = math.prod(shape) * stored.itemsize
    what = Phrase("errors.idx.needs", shape=shape, dtype=stored.name, nbytes=nbytes)
    header = 4 + len(dims)
    # For a raw file the size is known up front: refuse before allocating anything.
    if file_size is not None and file_size != header + nbytes:
        problem = "truncated" if file_size < header + nbytes else "trailing"
        raise IDXError(
            "errors.idx.file_size",
            path=path,
            problem=Phrase(f"errors.idx.{problem}"),
            what=what,
            has=file_size - header,
            header=header,
        )
    native = stored.newbyteorder("=")
    if file_size is None and nbytes > _ALLOCATE_AT_ONCE:
        # A compressed stream's size is unknown: a header may claim terabytes over a few bytes
        # of data. Read what is really there first (in chunks), so memory follows the data.
        buffer = bytearray()
        while len(buffer) < nbytes:
            chunk = stream.read(min(_CHUNK, nbytes - len(buffer)))
            if not chunk:
                break
            buffer += chunk
        got = len(buffer)
        if got == nbytes:
            data = np.frombuffer(buffer, dtype=native).reshape(shape)  # writable: a bytearray
    else:
        try:
            data = np.empty(shape, dtype=native)
        except (MemoryError, ValueError) as exc:
            raise IDXError("errors.idx.allocate", path=path, what=what, detail=exc) from exc
        got = _read_exact(stream, memoryview(data.reshape(-1).view(np.uint8)))
    if got < nbytes:
        raise IDXError("errors.idx.stream_short", path=path, what=what, got=got)
    if stream.read(1):
        raise IDXError("errors.idx.stream_long", path=path, what=what)
    if stored.byteorder == ">" and sys.byteorder == "little":
        data.byteswap(inplace=True)  # big-endian bytes were read into a native array
    return data


def write_idx(path: str | os.PathLike[str], array: ArrayLike) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``; atomically.

    The file is written to a temporary file in the same directory and renamed onto ``path``,
    so an interrupted write never leaves a partial file.

    Args:
        path: the destination.
        array: uint8, int8, int16, int32, float32 or float64 data of any shape (at most 255
            dimensions, each below 2**32), in any byte order.

    Raises:
        ValueError: the dtype has no IDX code (e.g. int64 or bool: cast first), or the shape
            does not fit the header. The message names the file.
    """
    path = Path(path)
    array = np.asarray(array)
    code = _CODES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None or array.dtype.kind not in "uif":
        raise ValueError(
            f"{path}: IDX cannot store dtype {array.dtype} (supported: {_KNOWN}); "
            "cast first, e.g. array.astype(np.int32)"
        )
    if array.ndim > 255 or any(n >= 2**32 for n in array.shape):
        raise ValueError(f"{path}: shape {array.shape} does not fit an IDX header")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).reshape(-1).view(np.uint8)
    with atomic_write(path) as f:
        if path.suffix == ".gz":
            # mtime=0 and the inner name make the output depend on the data only.
            with gzip.GzipFile(filename=path.stem, mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header)
                gz.write(memoryview(data))
        else:
            f.write(header)
            f.write(memoryview(data))
