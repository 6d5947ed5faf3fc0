"""The IDX reader and writer: the format's layout, round trips, and every kind of corrupt file."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from micrograd_mlp.data import IDXError, read_idx, write_idx
from micrograd_mlp.data import idx as idx_module

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C}


def sample(dtype, shape=(3, 4, 5), seed=0) -> np.ndarray:
    """Values spanning the type's range (both extremes included), so byte order matters."""
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
        a.flat[:2] = info.min, info.max
    else:
        a = (rng.standard_normal(shape) * 1e3).astype(dtype)
        a.flat[:2] = np.finfo(dtype).min, np.finfo(dtype).tiny
    return a


def idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file built by hand from the published layout (not with write_idx)."""
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(tmp_path, dtype, suffix):
    a = sample(dtype)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    assert b.shape == a.shape
    np.testing.assert_array_equal(b, a)
    assert b.flags.writeable
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 3, 4, 5), (1, 1, 1, 1, 1, 1), (4, 0, 3)])
def test_round_trip_shapes(tmp_path, shape):
    a = sample(np.int16, shape)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), a)


def test_big_endian_and_noncontiguous_input(tmp_path):
    a = sample(np.float64, (6, 4))
    write_idx(tmp_path / "be", a.astype(">f8"))
    write_idx(tmp_path / "t", a.T)
    np.testing.assert_array_equal(read_idx(tmp_path / "be"), a)
    np.testing.assert_array_equal(read_idx(tmp_path / "t"), a.T)


def test_reads_hand_built_big_endian_file(tmp_path):
    values = [[1, -2, 300], [-32768, 32767, 0]]
    payload = struct.pack(">6h", *values[0], *values[1])
    (tmp_path / "raw").write_bytes(idx_bytes(0x0B, (2, 3), payload))
    (tmp_path / "raw.gz").write_bytes(gzip.compress(idx_bytes(0x0B, (2, 3), payload)))
    for name in ("raw", "raw.gz"):
        a = read_idx(tmp_path / name)
        assert a.dtype == np.int16
        np.testing.assert_array_equal(a, values)


def test_writes_published_layout(tmp_path):
    a = np.array([[1.5, -2.0]], dtype=np.float32)
    write_idx(tmp_path / "f", a)
    assert (tmp_path / "f").read_bytes() == idx_bytes(0x0D, (1, 2), struct.pack(">2f", 1.5, -2.0))
    write_idx(tmp_path / "f.gz", a)
    assert gzip.decompress((tmp_path / "f.gz").read_bytes()) == (tmp_path / "f").read_bytes()


def test_gzip_detected_by_content_not_name(tmp_path):
    a = sample(np.uint8)
    write_idx(tmp_path / "a.gz", a)
    (tmp_path / "a.gz").rename(tmp_path / "plain-name")
    np.testing.assert_array_equal(read_idx(tmp_path / "plain-name"), a)


@pytest.mark.parametrize("bad", [np.int64, np.uint16, np.bool_, np.complex64])
def test_write_refuses_types_idx_cannot_hold(tmp_path, bad):
    path = tmp_path / "x.idx"
    with pytest.raises(ValueError, match="x.idx.*cannot store dtype"):
        write_idx(path, np.zeros(3, dtype=bad))
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "a.gz"
    write_idx(path, sample(np.uint8))
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_idx(path, np.zeros(3, dtype=np.int64))
    assert path.read_bytes() == before
    write_idx(path, sample(np.uint8, seed=1))
    assert [p.name for p in tmp_path.iterdir()] == ["a.gz"]


# --- corrupt files: each error is an IDXError (a ValueError) that names the file -----------------

GOOD = idx_bytes(0x08, (2, 3), bytes(range(6)))


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(GOOD[:-1], "truncated", id="truncated-data"),
        pytest.param(GOOD + b"\0", "trailing bytes", id="trailing-bytes"),
        pytest.param(GOOD[:2], "truncated header", id="truncated-magic"),
        # 2 dimensions need 8 size bytes; 5 are there
        pytest.param(GOOD[:9], "truncated header", id="truncated-dims"),
        pytest.param(b"\x01" + GOOD[1:], "bad magic number", id="magic-nonzero"),
        pytest.param(b"\0\x08" + GOOD[2:], "bad magic number", id="magic-shifted"),
        pytest.param(GOOD[:2] + b"\x0a" + GOOD[3:], "unknown dtype code 0x0A", id="dtype-code"),
        # the dimensions promise 9 values, 6 are stored
        pytest.param(idx_bytes(0x08, (3, 3), bytes(6)), "truncated", id="count-short"),
        # 2 int32 need 8 bytes, 9 are stored
        pytest.param(idx_bytes(0x0C, (2,), bytes(9)), "trailing bytes", id="count-long"),
        pytest.param(b"", "truncated header", id="empty"),
    ],
)
def test_corrupt_files(tmp_path, content, message, compress):
    path = tmp_path / ("bad-idx1-ubyte.gz" if compress else "bad-idx1-ubyte")
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(IDXError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_count_mismatch_reports_sizes(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(idx_bytes(0x0B, (4, 5), bytes(30)))
    with pytest.raises(IDXError, match=r"\(4, 5\).*40 data bytes.*30") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda b: b[: len(b) // 2],  # stream cut short
        lambda b: b[:-8] + bytes(x ^ 0xFF for x in b[-8:-4]) + b[-4:],  # CRC-32 wrong
        lambda b: b[:12] + b"\xff" * 8 + b[20:],  # deflate data garbled
    ],
    ids=["truncated", "bad-crc", "garbled"],
)
def test_corrupt_gzip_stream(tmp_path, corrupt):
    good = gz(idx_bytes(0x08, (64, 28), bytes(range(256)) * 7))
    path = tmp_path / "images.gz"
    path.write_bytes(corrupt(good))
    with pytest.raises(IDXError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.gz"):
        read_idx(tmp_path / "nope.gz")


@pytest.mark.parametrize("shape", [(10**6, 1000, 100), (2**31, 2**31, 4)], ids=["100GB", "2**64"])
def test_a_compressed_header_claiming_more_than_it_holds_is_truncated(tmp_path, shape):
    # Memory follows the data, not the claim: this used to try to allocate the claimed size
    # and report "cannot be allocated" for a file of a few bytes.
    path = tmp_path / "claims.gz"
    path.write_bytes(gz(idx_bytes(0x08, shape, bytes(10))))
    with pytest.raises(IDXError, match="truncated: .* but the stream has only 10$") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("extra", "message"), [(b"", None), (b"\0", "trailing bytes")])
def test_large_compressed_files_read_in_chunks_exactly(tmp_path, monkeypatch, extra, message):
    monkeypatch.setattr(idx_module, "_ALLOCATE_AT_ONCE", 100)  # the chunked path, small
    monkeypatch.setattr(idx_module, "_CHUNK", 7)
    array = sample(np.int32, shape=(3, 50))
    path = tmp_path / "big.gz"
    path.write_bytes(gz(idx_bytes(0x0C, array.shape, array.astype(">i4").tobytes() + extra)))
    if message:
        with pytest.raises(IDXError, match=message):
            read_idx(path)
        return
    out = read_idx(path)
    np.testing.assert_array_equal(out, array)
    assert out.dtype == np.int32 and out.flags.writeable
