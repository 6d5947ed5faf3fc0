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

import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from micrograd_mlp.files import atomic_write
from micrograd_mlp.training.batches import ArrayBatches

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "check_checkpoint_path",
    "differences",
    "load_checkpoint",
    "loader_state",
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


class CheckpointError(ValueError):
    """A checkpoint file cannot be read, or does not fit the run resuming from it.

    The message names the file and the problem.
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
    return path


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

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is not a readable checkpoint (truncated, corrupt, another kind
            of file, entries missing or malformed); the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at '{path}'")
    with open(path, "rb") as f:
        head = f.read(len(_NPY_MAGIC))
    if head.startswith(_NPY_MAGIC):
        raise CheckpointError(
            f"'{path}' is a NumPy .npy array, not a checkpoint (a .npz file written by "
            "micrograd-mlp train); give the checkpoint's path"
        )
    if not head.startswith(_ZIP_MAGIC):
        raise CheckpointError(
            f"checkpoint '{path}' is corrupt or not a checkpoint: a checkpoint is an .npz (zip) "
            "file, and this file does not start like one; delete it or train without --resume"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            # Read every entry now: a damaged member shows up here (zip CRC check), inside
            # the try, rather than later.
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as error:
        raise CheckpointError(
            f"checkpoint '{path}' is corrupt or not a checkpoint ({type(error).__name__}: "
            f"{error}); delete it or train without --resume"
        ) from None
    return _parse(arrays, path)


def _parse(arrays: Mapping[str, np.ndarray], path: Path) -> Checkpoint:
    def fail(problem: str) -> CheckpointError:
        return CheckpointError(f"checkpoint '{path}' is not usable: {problem}")

    tag = arrays.get("format")
    if tag is None or tag.dtype.kind != "U" or str(tag) != FORMAT:
        raise fail(f"no '{FORMAT}' format tag (is it a micrograd-mlp checkpoint?)")
    missing = [name for name in ("epoch", *_JSON_ENTRIES) if name not in arrays]
    if missing:
        raise fail(f"missing entries {missing}")
    epoch = arrays["epoch"]
    if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
        raise fail(f"'epoch' must be a non-negative integer, got {epoch!r}")
    parsed: dict[str, Any] = {name: {} for name in _OPTIONAL_JSON}
    for name in (*_JSON_ENTRIES, *(n for n in _OPTIONAL_JSON if n in arrays)):
        try:
            value = json.loads(str(arrays[name]))
        except json.JSONDecodeError as error:
            raise fail(f"'{name}' is not valid JSON ({error})") from None
        if not isinstance(value, dict):
            raise fail(f"'{name}' must be a JSON object, got {type(value).__name__}")
        parsed[name] = value
    sections: dict[str, dict[str, np.ndarray]] = {name: {} for name in _SECTIONS}
    for key, value in arrays.items():
        section, _, rest = key.partition(".")
        if section in sections and rest:
            sections[section][rest] = value
        elif key not in ("format", "epoch", *_JSON_ENTRIES, *_OPTIONAL_JSON):
            raise fail(f"unexpected entry '{key}'")
    if not sections["model"]:
        raise fail("it holds no model parameters")
    history = {}
    for key, values in sections["history"].items():
        if values.ndim != 1 or values.dtype.kind != "f":
            raise fail(
                f"history '{key}' must be a 1-D float array, got {values.dtype} {values.shape}"
            )
        history[key] = values.tolist()
    return Checkpoint(
        model_state=sections["model"],
        optimizer_state=sections["optimizer"],
        epoch=int(epoch),
        history=history,
        loader=parsed["loader"],
        config=parsed["config"],
        path=path,
        scheduler=parsed["scheduler"],
        rng=parsed["rng"],
    )


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
        saved = load_checkpoint(path)
    except (CheckpointError, OSError):
        what = "a file that is not a readable checkpoint"
    else:
        settings = ", ".join(f"{k}={v!r}" for k, v in saved.config.items()) or "no settings"
        what = f"a checkpoint, after epoch {saved.epoch} of a run with {settings}"
    raise CheckpointError(
        f"'{path}' already holds {what}; pass {resume} to continue that run or {force} to "
        "replace it (or choose another checkpoint path)"
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
) -> list[str]:
    """``"key: <saved> in the checkpoint, <now> now"`` for every key whose values differ (keys
    in ``skip`` excepted), in the order the keys first appear."""
    keys = [k for k in dict.fromkeys([*saved, *now]) if k not in skip]
    return [
        f"{k}: {saved.get(k)!r} in the checkpoint, {now.get(k)!r} now"
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

    Args:
        checkpoint: a :class:`Checkpoint` (e.g. from :func:`load_checkpoint`).
        model: a Module with ``state_dict``/``load_state_dict``.
        optimizer, scheduler: restored when given.

    Raises:
        CheckpointError: the saved state does not fit the model, the optimizer or the
            scheduler (the file and every mismatch are named); everything is then left as it was.
    """
    where = f"checkpoint '{checkpoint.path}'" if checkpoint.path else "the checkpoint"
    before = model.state_dict()
    optimizer_before = optimizer.state_dict() if optimizer is not None else None
    generators = _generators(model)
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError) as error:
        raise CheckpointError(f"{where} does not fit the model: {_message(error)}") from None
    part = "optimizer"
    try:
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint.optimizer_state)
        saved_rng = dict(checkpoint.rng or {})
        if saved_rng and sorted(saved_rng) != sorted(generators):
            part = "model's random generators"
            raise ValueError(f"saved for {sorted(saved_rng)}, the model has {sorted(generators)}")
        part = "scheduler"
        if scheduler is not None and checkpoint.scheduler:
            scheduler.load_state_dict(checkpoint.scheduler)
    except (KeyError, ValueError, TypeError) as error:
        model.load_state_dict(before)  # all or nothing: undo what was loaded
        if optimizer_before is not None:
            optimizer.load_state_dict(optimizer_before)
        raise CheckpointError(f"{where} does not fit the {part}: {_message(error)}") from None
    for name, state in saved_rng.items():
        generators[name].bit_generator.state = state


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'", with quotes: use the argument itself.
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
