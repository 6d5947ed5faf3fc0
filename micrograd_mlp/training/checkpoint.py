"""Training checkpoints: one ``.npz`` file, written atomically, that resumes a run exactly;
:func:`restore` loads one into a model, optimizer and scheduler.

A checkpoint holds everything a training run's future depends on:

* ``model.<key>``     -- the model's ``state_dict()`` (float64 arrays, PyTorch's key names);
* ``optimizer.<key>`` -- the optimizer's ``state_dict()`` (hyperparameters, ``step`` counts and
  moment buffers);
* ``epoch``           -- the number of finished epochs;
* ``history.<key>``   -- the per-epoch figures so far (1-D float64 arrays);
* ``loader``          -- the training loader's shuffling state (seed, batch size, ...), as JSON;
* ``config``          -- the run's settings (architecture, optimizer, data...), as JSON;
* ``scheduler``       -- the learning-rate scheduler's ``state_dict()``, as JSON (optional);
* ``rng``             -- the bit-generator states of the model's random layers (dropout), as
  JSON (optional).

The mini-batch order of epoch ``k`` depends only on the loader's seed and ``k``
(:meth:`micrograd_mlp.data.DataLoader.set_epoch`), and the only other randomness (dropout masks)
comes from generators whose states are saved, so model + optimizer + scheduler + generators +
epoch + loader seed is the whole state: a resumed run repeats an uninterrupted one bit for bit.

Everything is stored as plain arrays (strings as unicode arrays), so the file is read with
``allow_pickle=False``: loading a checkpoint never runs code from it.

:class:`~micrograd_mlp.training.Checkpointing` writes one after every epoch of ``fit`` and
resumes from one, with the helpers at the end of this module (:func:`loader_state`,
:func:`rng_states`, :func:`differences`, :func:`restore`).
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from micrograd_mlp.files import atomic_write
from micrograd_mlp.messages import CatalogueError, Phrase
from micrograd_mlp.training.batches import ArrayBatches

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "check_checkpoint_path",
    "differences",
    "load_checkpoint",
    "loader_state",
    "peek_checkpoint",
    "refuse_overwrite",
    "restore",
    "rng_states",
]

#: Written into every file; a file with another (or no) format tag is refused.
FORMAT = "micrograd-mlp checkpoint 1"
_SECTIONS = ("model", "optimizer", "history")
_JSON_ENTRIES = ("loader", "config")
#: JSON entries that files written before they existed do not have (read as ``{}``).
_OPTIONAL_JSON = ("scheduler", "rng")
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"


class CheckpointError(CatalogueError, ValueError):
    """A checkpoint file cannot be read, or does not fit the run resuming from it.

    The message names the file and the problem; raised as ``CheckpointError(key, **fields)``
    with a key of the ``errors`` catalogue (``error.text("ko")`` gives it in Korean).
    """


def check_checkpoint_path(path: str | os.PathLike[str]) -> Path:
    """Check that a checkpoint can be written at ``path``; return it as a ``Path``.

    Called before training starts, so a typo in the directory fails at once rather than after
    the first epoch.

    Raises:
        FileNotFoundError: the directory of ``path`` does not exist (it is named).
        NotADirectoryError: the "directory" is a file.
        IsADirectoryError: ``path`` itself is a directory.
    """
    path = Path(path)
    parent = path.parent
    if not parent.exists():
        raise FileNotFoundError(
            f"checkpoint directory '{parent}' does not exist (checkpoint path '{path}'); "
            "create it first or choose another path"
        )
    if not parent.is_dir():
        raise NotADirectoryError(f"checkpoint path '{path}': '{parent}' is not a directory")
    if path.is_dir():
        raise IsADirectoryError(f"checkpoint path '{path}' is a directory; give a file name")
    problem = unwritable(parent)
    if problem is not None:
        raise PermissionError(
            f"checkpoint path '{path}': cannot write in '{parent}' ({problem}); choose a folder "
            "you can write in"
        )
    return path


def unwritable(directory: str | os.PathLike[str]) -> str | None:
    """Why no file can be created in the existing ``directory`` (the system's reason, e.g.
    ``"Permission denied"``, ``"Read-only file system"``), or None when one can.

    Tried for real (a temporary file is created and removed at once): permission bits say
    nothing for the superuser, a read-only mount or a full quota.
    """
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".micrograd-mlp-probe-")
    except OSError as error:
        return error.strerror or type(error).__name__
    os.close(fd)
    os.unlink(probe)
    return None


@dataclass
class Checkpoint:
    """The contents of a checkpoint file (see the module docstring).

    Attributes:
        model_state: the model's state dict (float64 arrays).
        optimizer_state: the optimizer's state dict.
        epoch: the number of finished epochs (>= 0).
        history: per-epoch lists of floats, e.g. ``history["test_accuracy"]``.
        loader: the training loader's state (``seed``, ``batch_size``, ``shuffle``, ...).
        config: the run's settings, as saved.
        path: the file it was read from (None before it is saved).
        scheduler: the learning-rate scheduler's state dict (JSON-representable; ``{}``: none).
        rng: bit-generator states of the model's random layers, by module name (``{}``: none).
    """

    model_state: dict[str, np.ndarray]
    optimizer_state: dict[str, np.ndarray]
    epoch: int
    history: dict[str, list[float]] = field(default_factory=dict)
    loader: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    scheduler: dict[str, Any] = field(default_factory=dict)
    rng: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the checkpoint to ``path`` atomically: the file is the old one or the new one,
        never half written, even if the process dies mid-write.

        Raises:
            FileNotFoundError, NotADirectoryError, IsADirectoryError: see
                :func:`check_checkpoint_path`.
            ValueError: ``epoch`` is not an integer >= 0 (such a file could not be loaded).
            TypeError: ``loader``, ``config``, ``scheduler`` or ``rng`` holds something JSON
                cannot represent.
            OSError: the file cannot be written (the message names it; the old file is kept).
        """
        epoch = self.epoch
        if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
            raise ValueError(f"Checkpoint epoch must be an integer >= 0, got {epoch!r}")
        path = check_checkpoint_path(path)
        arrays: dict[str, np.ndarray] = {
            "format": np.array(FORMAT),
            "epoch": np.array(int(epoch), dtype=np.int64),
        }
        for name in (*_JSON_ENTRIES, *_OPTIONAL_JSON):
            arrays[name] = np.array(json.dumps(getattr(self, name), sort_keys=True))
        for key, value in self.model_state.items():
            arrays[f"model.{key}"] = np.asarray(value)
        for key, value in self.optimizer_state.items():
            arrays[f"optimizer.{key}"] = np.asarray(value)
        for key, values in self.history.items():
            arrays[f"history.{key}"] = np.asarray(values, dtype=np.float64)
        with atomic_write(path) as f:
            np.savez(f, **arrays)
        self.path = path
        return path


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by :meth:`Checkpoint.save`.

    Every member's ``.npy`` header (shape, dtype) is read first and compared with the bytes the
    member really holds in the archive: a header that declares more (or less) than that is
    refused before anything is allocated, so memory and time stay bounded by the file's size
    whatever its headers claim.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is not a readable checkpoint (truncated, corrupt, another kind
            of file, entries missing or malformed); the message names the file and the entry.
    """
    path = Path(path)
    return _parse(_read_members(path), path)


def _read_members(path: Path, wanted: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` file at ``path`` (only those named in ``wanted``, if given),
    each checked against its header before it is read (see :func:`load_checkpoint`)."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at '{path}'")
    with open(path, "rb") as f:
        head = f.read(len(_NPY_MAGIC))
    if head.startswith(_NPY_MAGIC):
        raise CheckpointError("errors.checkpoint.npy_file", path=path)
    if not head.startswith(_ZIP_MAGIC):
        raise CheckpointError("errors.checkpoint.not_zip", path=path)
    arrays: dict[str, np.ndarray] = {}
    seen: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            size = path.stat().st_size
            for info in archive.infolist():
                key = _member_key(info, path, size)
                if key in seen:
                    raise CheckpointError("errors.checkpoint.twice", path=path, key=key)
                seen.add(key)
                if wanted is None or key in wanted:
                    arrays[key] = _read_member(archive, info, key, path)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError,
            NotImplementedError, RuntimeError) as error:  # fmt: skip
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(
            "errors.checkpoint.unreadable", path=path, kind=type(error).__name__, detail=error
        ) from None
    return arrays


def _member_key(info: zipfile.ZipInfo, path: Path, size: int) -> str:
    """The entry name of a member (``model.layers.0.weight`` for ``model.layers.0.weight.npy``);
    refuses a member that is not an ``.npy`` array or whose stored size exceeds the file."""
    if not info.filename.endswith(".npy") or info.is_dir():
        raise CheckpointError("errors.checkpoint.not_npy_member", path=path, member=info.filename)
    if info.compress_size > size or (
        info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size
    ):
        raise CheckpointError(
            "errors.checkpoint.member_too_big",
            path=path,
            member=info.filename,
            claimed=info.file_size,
            size=size,
        )
    return info.filename[: -len(".npy")]


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, path: Path
) -> np.ndarray:
    """One member's array: its header first, then exactly the bytes it declares, no more."""
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"'{key}': unknown .npy format version {version}")
        if dtype.hasobject:
            raise CheckpointError("errors.checkpoint.objects", path=path, key=key)
        declared = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        held = info.file_size - f.tell()
        if declared != held:
            raise CheckpointError(
                "errors.checkpoint.declares",
                path=path,
                key=key,
                shape=_shape(shape),
                dtype=dtype,
                declared=_bytes(declared),
                held=_bytes(held),
            )
        data = bytearray()
        while len(data) < declared:  # grows with the bytes really read
            chunk = f.read(min(declared - len(data), 1 << 24))
            if not chunk:
                break
            data += chunk
        if len(data) != declared or f.read(1):  # also makes zipfile check the CRC
            raise CheckpointError(
                "errors.checkpoint.holds",
                path=path,
                key=key,
                held=_bytes(len(data)),
                declared=_bytes(declared),
            )
    if dtype.itemsize == 0:
        return np.zeros(shape, dtype)
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _bytes(n: int) -> Phrase:
    """``"1,234 bytes"``, ``"728 TiB"``: a size for a message (in the message's language)."""
    if n < 1024:
        return Phrase("errors.checkpoint.bytes", n=n, s="s" * (n != 1))
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        n /= 1024
        if n < 1024 or unit == "EiB":
            break
    size = f"{n:,.0f}" if n >= 10 else f"{n:.1f}"
    return Phrase("errors.checkpoint.size", size=size, unit=unit)


def _check_header_entries(
    arrays: Mapping[str, np.ndarray], path: Path, json_names: Collection[str]
) -> tuple[int, dict[str, Any]]:
    """The format tag and epoch count checked, and the JSON entries ``json_names`` parsed."""

    def fail(key: str, **fields: object) -> CheckpointError:
        return CheckpointError(
            "errors.checkpoint.not_usable", path=path, problem=Phrase(key, **fields)
        )

    tag = arrays.get("format")
    if tag is None or tag.dtype.kind != "U" or tag.shape != () or str(tag) != FORMAT:
        raise fail("errors.checkpoint.no_format", format=FORMAT)
    missing = [name for name in ("epoch", *json_names) if name not in arrays]
    if missing:
        raise fail("errors.checkpoint.missing", missing=missing)
    epoch = arrays["epoch"]
    if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
        raise fail("errors.checkpoint.bad_epoch", epoch=epoch)
    parsed: dict[str, Any] = {}
    for name in json_names:
        text = arrays[name]
        if text.dtype.kind != "U" or text.shape != ():
            raise fail(
                "errors.checkpoint.not_json_text",
                name=name,
                dtype=text.dtype,
                shape=_shape(text.shape),
            )
        try:
            value = json.loads(str(text))
        except (json.JSONDecodeError, RecursionError) as error:
            raise fail(
                "errors.checkpoint.bad_json", name=name, kind=type(error).__name__, detail=error
            ) from None
        if not isinstance(value, dict):
            raise fail("errors.checkpoint.not_object", name=name, type=type(value).__name__)
        parsed[name] = value
    return int(epoch), parsed


def _parse(arrays: Mapping[str, np.ndarray], path: Path) -> Checkpoint:
    def fail(key: str, **fields: object) -> CheckpointError:
        return CheckpointError(
            "errors.checkpoint.not_usable", path=path, problem=Phrase(key, **fields)
        )

    names = (*_JSON_ENTRIES, *(n for n in _OPTIONAL_JSON if n in arrays))
    epoch, parsed = _check_header_entries(arrays, path, names)
    for name in _OPTIONAL_JSON:
        parsed.setdefault(name, {})
    sections: dict[str, dict[str, np.ndarray]] = {name: {} for name in _SECTIONS}
    for key, value in arrays.items():
        section, _, rest = key.partition(".")
        if section in sections and rest:
            sections[section][rest] = value
        elif key not in ("format", "epoch", *_JSON_ENTRIES, *_OPTIONAL_JSON):
            raise fail("errors.checkpoint.unexpected", key=key)
    if not sections["model"]:
        raise fail("errors.checkpoint.no_parameters")
    history = {}
    for key, values in sections["history"].items():
        if values.ndim != 1 or values.dtype.kind != "f":
            raise fail(
                "errors.checkpoint.bad_history", key=key, dtype=values.dtype, shape=values.shape
            )
        history[key] = values.tolist()
    return Checkpoint(
        model_state=sections["model"],
        optimizer_state=sections["optimizer"],
        epoch=epoch,
        history=history,
        loader=parsed["loader"],
        config=parsed["config"],
        path=path,
        scheduler=parsed["scheduler"],
        rng=parsed["rng"],
    )


def peek_checkpoint(path: str | os.PathLike[str]) -> tuple[int, dict[str, Any]]:
    """A checkpoint's epoch count and settings (``config``), read without its arrays.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: as :func:`load_checkpoint`, for the entries read.
    """
    path = Path(path)
    arrays = _read_members(path, wanted=("format", "epoch", "config"))
    epoch, parsed = _check_header_entries(arrays, path, ("config",))
    return epoch, parsed["config"]


def refuse_overwrite(
    path: str | os.PathLike[str], resume: str = "resume=True", force: str = "force=True"
) -> None:
    """Refuse to start a new run over an existing file at ``path`` (never replace unasked).

    Does nothing when there is no file. Otherwise raises, naming the file and, for a
    checkpoint, its epoch count and settings, and the two ways on: ``resume`` (continue that
    run) and ``force`` (replace it), in the caller's words (``"--resume"`` for the CLI).

    Raises:
        CheckpointError: a file exists at ``path``.
    """
    path = Path(path)
    if not path.exists():
        return
    try:
        epoch, config = peek_checkpoint(path)
    except (CheckpointError, OSError):
        what = Phrase("errors.checkpoint.what_unreadable")
    else:
        settings = ", ".join(f"{k}={v!r}" for k, v in config.items())
        what = Phrase(
            "errors.checkpoint.what_checkpoint",
            epoch=epoch,
            settings=settings or Phrase("errors.checkpoint.no_settings"),
        )
    raise CheckpointError(
        "errors.checkpoint.exists", path=path, what=what, resume=resume, force=force
    )


# ------------------------------------------------------------------------------ resuming
def loader_state(data: Any) -> dict[str, Any]:
    """What fixes a run's training batches, saved in its checkpoint and compared on resume.

    Raises:
        ValueError: the batches cannot be replayed exactly: shuffled ``(X, y)`` mini-batches,
            or a shuffled DataLoader without an int seed.
    """
    if isinstance(data, ArrayBatches):
        if data.rng is not None:
            raise ValueError(
                "a checkpointed run cannot replay shuffled (X, y) mini-batches exactly: pass a "
                "DataLoader with an int seed instead (or batch_size=None)"
            )
        return {"samples": data.samples, "batch_size": data.batch_size, "shuffle": False}
    if not hasattr(data, "seed"):
        return {}
    seeded = isinstance(data.seed, (int, np.integer)) and not isinstance(data.seed, bool)
    if getattr(data, "shuffle", False) and not seeded:
        raise ValueError(
            "a checkpointed run needs a DataLoader with an int seed (its batches can then be "
            "replayed on resume); a numpy Generator's draws cannot"
        )
    return {
        "samples": len(data.labels),
        "batch_size": data.batch_size,
        "shuffle": data.shuffle,
        "drop_last": data.drop_last,
        "seed": int(data.seed) if seeded else None,
    }


def differences(
    saved: Mapping[str, Any], now: Mapping[str, Any], skip: tuple[str, ...] = ()
) -> list[Phrase]:
    """``"key: <saved> in the checkpoint, <now> now"`` (a :class:`~micrograd_mlp.messages.
    Phrase`, ``str()`` gives the English) for every key whose values differ (keys in ``skip``
    excepted), in the order the keys first appear."""
    keys = [k for k in dict.fromkeys([*saved, *now]) if k not in skip]
    return [
        Phrase("errors.checkpoint.difference", key=k, saved=saved.get(k), now=now.get(k))
        for k in keys
        if saved.get(k) != now.get(k)
    ]


def _generators(model: Any) -> dict[str, np.random.Generator]:
    """The random generators of the model's modules (dropout masks), by module name."""
    walk = getattr(model, "_named_modules", None)
    if not callable(walk):
        return {}
    return {
        name or ".": m.rng
        for name, m in walk()
        if isinstance(getattr(m, "rng", None), np.random.Generator)
    }


def rng_states(model: Any) -> dict[str, Any]:
    """The bit-generator states of the model's random layers (dropout), by module name."""
    return {name: g.bit_generator.state for name, g in _generators(model).items()}


def restore(
    checkpoint: Checkpoint, model: Any, optimizer: Any = None, scheduler: Any = None
) -> None:
    """Load a checkpoint's model, optimizer, scheduler and random states, all or nothing.

    Everything is checked before anything changes: the random generators' states on fresh
    generators of the same kind, the scheduler's state on a copy of the scheduler, the
    optimizer's on a copy of the optimizer (sharing the model's parameters, so a copy costs the
    optimizer's own buffers only); then the model is loaded (its ``load_state_dict`` checks
    every entry before it assigns any), then the rest, which was checked already.

    Args:
        checkpoint: a :class:`Checkpoint` (e.g. from :func:`load_checkpoint`).
        model: a Module with ``state_dict``/``load_state_dict``.
        optimizer, scheduler: restored when given.

    Raises:
        CheckpointError: the saved state does not fit the model, the optimizer, the scheduler
            or the random generators; the message names the file and the entry. Nothing was
            changed.
    """
    where = checkpoint_name(checkpoint.path)

    def refuse(entry: str, part: str, error: BaseException) -> CheckpointError:
        return CheckpointError(
            "errors.checkpoint.does_not_fit",
            where=where,
            entry=entry,
            part=Phrase(f"errors.checkpoint.part.{part}"),
            detail=_message(error),
        )

    generators = _generators(model)
    saved_rng = dict(checkpoint.rng or {})
    if saved_rng and sorted(saved_rng) != sorted(generators):
        problem = ValueError(f"saved for {sorted(saved_rng)}, the model has {sorted(generators)}")
        raise refuse("rng", "generators", problem)
    for name, state in saved_rng.items():
        try:  # on a fresh generator of the same kind: the model's is not touched
            type(generators[name].bit_generator)().state = state
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            raise refuse(f"rng.{name}", "generator", error) from None
    saved_schedule = dict(checkpoint.scheduler or {})
    if scheduler is not None and saved_schedule:
        _try_on_copy(scheduler, saved_schedule, _stand_in(scheduler), refuse, "scheduler")
    elif scheduler is None and saved_schedule:
        raise refuse("scheduler", "run", ValueError("the run has no learning-rate scheduler"))
    elif scheduler is not None and checkpoint.epoch > 0:
        raise refuse(
            "scheduler", "run", ValueError("it is empty, but this run has a learning-rate schedule")
        )
    trial_optimizer = optimizer is not None and _try_on_copy(
        optimizer,
        checkpoint.optimizer_state,
        {id(p): p for p in getattr(optimizer, "params", ())},
        refuse,
        "optimizer",
    )
    before = model.state_dict()
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError, TypeError) as error:
        raise refuse("model", "model", error) from None
    if optimizer is not None:
        try:
            optimizer.load_state_dict(checkpoint.optimizer_state)
        except (KeyError, ValueError, TypeError) as error:
            if trial_optimizer:  # pragma: no cover - the copy took the same state
                raise
            model.load_state_dict(before)  # no copy could be tried: undo the model
            raise refuse("optimizer", "optimizer", error) from None
    if scheduler is not None and saved_schedule:
        scheduler.load_state_dict(saved_schedule)
    for name, state in saved_rng.items():
        generators[name].bit_generator.state = state


def checkpoint_name(path: Path | None) -> Phrase:
    """``checkpoint 'path'`` (or ``the checkpoint`` without a path), for a message."""
    if path:
        return Phrase("errors.checkpoint.named", path=path)
    return Phrase("errors.checkpoint.unnamed")


def _stand_in(scheduler: Any) -> dict[int, Any]:
    """A deepcopy memo giving a scheduler's copy a stand-in optimizer (its rate only)."""
    optimizer = getattr(scheduler, "optimizer", None)
    if optimizer is None:
        return {}

    class _Rate:
        lr = getattr(optimizer, "lr", 0.0)
        initial_lr = getattr(optimizer, "initial_lr", None)

    return {id(optimizer): _Rate()}


def _try_on_copy(
    target: Any, state: Mapping[str, Any], memo: dict[int, Any], refuse: Any, part: str
) -> bool:
    """Load ``state`` into a copy of ``target`` (``memo`` keeps what the copy shares); raise
    ``refuse(part, part, error)`` if that fails. False when no copy could be made (nothing was
    tried)."""
    try:
        trial = copy.deepcopy(target, memo)
    except Exception:  # noqa: BLE001 - an object that cannot be copied is simply not tried
        return False
    try:
        trial.load_state_dict(state)
    except (KeyError, ValueError, TypeError, OverflowError) as error:
        raise refuse(part, part, error) from None
    return True


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'", with quotes: use the argument itself.
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
