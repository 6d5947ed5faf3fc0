"""Train a multi-layer perceptron on Fashion-MNIST (clothing) or MNIST (handwritten digits).

A network of two hidden layers (784-2048-256-10 for Fashion-MNIST, 784-512-256-10 for MNIST)
with ReLU and dropout learns with Adam on mini-batches of standardized images, the learning
rate annealed along a cosine. After every epoch it prints the loss and accuracy on the training
and the test images and saves a checkpoint; at the end it draws the loss and accuracy curves,
a confusion matrix and a grid of test images with their predicted labels.

Every run writes into a folder of its own under --out (out/train/run-1, run-2, ...), so
training again never touches an earlier run. To train a run longer, continue it:

  micrograd-mlp train --epochs 20              # out/train/run-1: 20 epochs
  micrograd-mlp train --resume --epochs 30     # the same run, 10 epochs more (up to 30)
  micrograd-mlp train --resume run-1 --epochs 40 --resume-schedule restart

--epochs counts all the epochs of a run, those already trained included (as Keras's epochs
and Lightning's max_epochs). A continued run keeps the settings it was started with, and goes
on exactly as an uninterrupted run would. Ctrl-C stops training and says how to continue.

MNIST is often shared as its 10,000 test images only; then 4/5 of them (8,000) train and the
other 2,000 test, the same ones whatever the --seed.

The data files are looked for in --data-dir, $MICROGRAD_MLP_DATA, ~/.cache/micrograd-mlp and
/usr/share/datasets; --download fetches missing ones (MD5-checked).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from micrograd_mlp.data import MNIST, DataLoader, DataNotFoundError, load_mnist
from micrograd_mlp.data.mnist import SOURCES
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.messages import message
from micrograd_mlp.metrics import accuracy, confusion_matrix
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from micrograd_mlp.tensor.functional import cross_entropy
from micrograd_mlp.tensor.nn import MLP
from micrograd_mlp.training import (
    Callback,
    Checkpointing,
    Evaluate,
    ProgressLog,
    Schedule,
    evaluate,
    fit,
)
from micrograd_mlp.training.batches import Standardized
from micrograd_mlp.training.checkpoint import (
    check_checkpoint_path,
    load_checkpoint,
    peek_checkpoint,
    refuse_overwrite,
    unwritable,
)
from micrograd_mlp.training.runs import CHECKPOINT_NAME, RunNotFoundError, find_run, new_run_dir
from micrograd_mlp.training.schedules import SCHEDULE_POLICIES

COMMAND = "train"
HELP = "train an MLP on Fashion-MNIST or MNIST (needs the data files)"
BUILTIN_DATA = False

#: The defaults of each data set: what ``micrograd-mlp train --dataset D`` uses without
#: tuning (measured in benchmarks/README.md, "Accuracy of micrograd-mlp train").
DEFAULTS = {
    "fashion-mnist": {
        "hidden": [2048, 256],
        "batch_size": 64,
        "dropout": 0.3,
        "weight_decay": 0.0,
        "schedule": "cosine",
        "lr_decay": 0.9,
        "label_smoothing": 0.1,
        "standardize": True,
    },
    "mnist": {
        "hidden": [512, 256],
        "batch_size": 32,
        "dropout": 0.3,
        "weight_decay": 0.0,
        "schedule": "cosine",
        "lr_decay": 0.9,
        "label_smoothing": 0.0,
        "standardize": True,
    },
}
#: The mean and standard deviation of each data set's training pixels (divided by 255), which
#: --standardize subtracts and divides by (MNIST's are those of PyTorch's MNIST example).
INPUT_STATS = {"fashion-mnist": (0.2860, 0.3530), "mnist": (0.1307, 0.3081)}
#: What a checkpoint written before a setting existed meant by it.
LEGACY = {"label_smoothing": 0.0, "standardize": False}
#: Default learning rate of each optimizer (Adam: Kingma & Ba's suggestion; SGD with momentum
#: 0.9: the value measured in benchmarks/README.md to train this MLP well).
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05}
DEFAULT_MOMENTUM = 0.9
DEFAULT_EPOCHS = 20
#: ``cosine`` anneals the rate from --lr to 0 over the run's epochs (Loshchilov & Hutter,
#: SGDR, 2017); ``exponential`` multiplies it by --lr-decay after every epoch.
SCHEDULES = ("cosine", "exponential", "constant")
#: MNIST without its training split: this fraction of its test images train, the rest test
#: (8,000 and 2,000 of the official 10,000); the split does not depend on --seed.
MNIST_TRAIN_FRACTION = 0.8
MNIST_SPLIT_SEED = 0
GRID_IMAGES = 36
#: The options of the "not found" advice, in this command's words.
CLI_WORDS = {"root": "--data-dir DIR", "root_place": "--data-dir", "download": "--download"}
#: Refuse a model whose estimated memory exceeds this fraction of the machine's RAM.
MEMORY_FRACTION = 0.8
#: The settings of a run, saved in its checkpoint; a continued run takes those not given.
SETTINGS = (
    "dataset", "hidden", "dropout", "optimizer", "lr", "momentum", "weight_decay", "schedule",
    "lr_decay", "label_smoothing", "standardize", "batch_size", "seed", "epochs", "limit",
)  # fmt: skip
_LATEST = ""  # --resume without a value: the latest run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``micrograd-mlp train``."""
    fm, mn = DEFAULTS["fashion-mnist"], DEFAULTS["mnist"]
    for action in parser._actions:  # the --out every command has, in this command's words
        if "--out" in action.option_strings:
            action.help = "folder of the runs: each writes into OUT/run-N (default: %(default)s)"
    add = parser.add_argument
    add("--dataset", choices=tuple(DEFAULTS), default=None,
        help="data set (default: fashion-mnist)")  # fmt: skip
    add("--hidden", type=int_option(1), nargs="+", default=None, metavar="N",
        help=f"hidden layer sizes (default: {' '.join(map(str, fm['hidden']))} for "
        f"fashion-mnist, {' '.join(map(str, mn['hidden']))} for mnist)")  # fmt: skip
    add("--epochs", type=int_option(1, 100_000), default=None,
        help=f"epochs of the run in all, those already trained included (default: "
        f"{DEFAULT_EPOCHS}; a continued run: the number it was started with)")  # fmt: skip
    add("--batch-size", type=int_option(1, 1_000_000), default=None,
        help=f"images per step (default: {fm['batch_size']} for fashion-mnist, "
        f"{mn['batch_size']} for mnist)")  # fmt: skip
    add("--optimizer", choices=("adam", "sgd"), default=None, help="optimizer (default: adam)")
    add("--lr", type=float_option(0, exclusive_minimum=True), default=None,
        help="learning rate (default: 1e-3 for adam, 0.05 for sgd)")  # fmt: skip
    add("--momentum", type=float_option(0, 1, exclusive_maximum=True), default=None,
        help=f"--optimizer sgd: its momentum, in [0, 1) (default: "
        f"{DEFAULT_MOMENTUM:g})")  # fmt: skip
    add("--weight-decay", type=float_option(0), default=None, metavar="W",
        help=f"L2 penalty added to the gradients (default: "
        f"{fm['weight_decay']:g})")  # fmt: skip
    add("--dropout", type=float_option(0, 1, exclusive_maximum=True), default=None, metavar="P",
        help=f"dropout probability after every hidden layer (default: "
        f"{fm['dropout']:g})")  # fmt: skip
    add("--label-smoothing", type=float_option(0, 1, exclusive_maximum=True), default=None,
        metavar="E", help="cross-entropy against targets (1 - E) one-hot + E/10 (default: "
        f"{fm['label_smoothing']:g} for fashion-mnist, {mn['label_smoothing']:g} for "
        "mnist)")  # fmt: skip
    add("--standardize", action=argparse.BooleanOptionalAction, default=None,
        help="feed the network (pixel/255 - mean) / std, the training images' mean and "
        "standard deviation, rather than pixel/255 in [0, 1] (default: on)")  # fmt: skip
    add("--schedule", choices=SCHEDULES, default=None,
        help=f"learning-rate schedule, per epoch (default: {fm['schedule']})")  # fmt: skip
    add("--lr-decay", type=float_option(0, 1, exclusive_minimum=True), default=None,
        metavar="GAMMA", help="--schedule exponential: multiply the learning rate by GAMMA "
        f"after every epoch (default: {fm['lr_decay']:g})")  # fmt: skip
    add("--data-dir", type=Path, default=None,
        help="folder with the data files, or its parent holding fashion-mnist/ or mnist/ "
        "(default: $MICROGRAD_MLP_DATA, then ~/.cache/micrograd-mlp)")  # fmt: skip
    add("--download", action="store_true",
        help="download missing data files into ~/.cache/micrograd-mlp (MD5-checked)")  # fmt: skip
    add("--resume", nargs="?", const=_LATEST, default=None, metavar="RUN",
        help="continue a run: RUN is its folder (out/train/run-2), its name under --out "
        "(run-2) or its checkpoint file; without RUN, the latest run under --out. It keeps "
        "its settings; --epochs 30 trains a 20-epoch run up to 30")  # fmt: skip
    add("--resume-schedule", choices=SCHEDULE_POLICIES, default=None,
        help="when --resume changes the number of epochs: 'continue' plans the learning-rate "
        "schedule over the new number as if from the start (default), 'restart' starts it "
        "again from --lr over the epochs left (a warm restart)")  # fmt: skip
    add("--checkpoint", type=Path, default=None,
        help="checkpoint file of a new run, written after every epoch (default: "
        f"{CHECKPOINT_NAME} in the run's folder)")  # fmt: skip
    add("--force", action="store_true",
        help="with --checkpoint: replace a file already there (otherwise refused)")  # fmt: skip
    add("--limit", type=int_option(1), default=None, metavar="N",
        help="train on the first N training images only")  # fmt: skip
    add("--threads", type=int_option(1, 1024), default=None,
        help="threads for matrix products (default: one per core)")  # fmt: skip
    add("--quiet", action="store_true", help="no progress bars (one line per epoch still)")
    lang_option(parser, "the text and the pictures")


# ------------------------------------------------------------------------------ the data
def load_data(
    dataset: str, data_dir: Path | None = None, download: bool = False, lang: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The training and test images and labels of ``dataset``, and a note on where they came
    from (uint8 ``(N, 28, 28)`` images, int64 labels).

    Raises:
        UserError: the files are not found (the message names --data-dir and --download).
        IDXError: a file is damaged, holds labels outside 0-9 or no images, or MNIST's test
            split (used for both when its training split is missing) holds fewer than 2 (the
            file named).
    """
    try:
        if dataset == "mnist":
            try:
                X_train, y_train = load_mnist(dataset, "train", root=data_dir, download=download)
            except DataNotFoundError:  # often only the test split is shared
                test = MNIST("test", root=data_dir, download=download)
                X_train, X_test, y_train, y_test = test.train_test_split(
                    MNIST_TRAIN_FRACTION, seed=MNIST_SPLIT_SEED
                )
                note = message("train.data.mnist_split", lang, train=f"{len(y_train):,}",
                               total=f"{len(test):,}", test=f"{len(y_test):,}")  # fmt: skip
                return X_train, y_train, X_test, y_test, note
        else:
            X_train, y_train = load_mnist(dataset, "train", root=data_dir, download=download)
        X_test, y_test = load_mnist(dataset, "test", root=data_dir, download=download)
    except DataNotFoundError as error:
        raise UserError(error.advice(CLI_WORDS)) from None
    note = message("train.data.sizes", lang, dataset=dataset, train=f"{len(y_train):,}",
                   test=f"{len(y_test):,}")  # fmt: skip
    return X_train, y_train, X_test, y_test, note


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit NumPy's BLAS to ``n`` threads inside the block (``None``: leave it as it is)."""
    if n is None:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


# --------------------------------------------------------------------- sizes and memory
def parameter_count(sizes: list[int]) -> int:
    """Parameters of an MLP with layer sizes ``sizes`` (inputs first): weights and biases."""
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def memory_estimate(sizes: list[int], optimizer: str, batch_size: int) -> int:
    """Bytes a training run needs, roughly: per parameter a float64 initial draw, the float32
    weight, gradient, optimizer buffers (Adam 2, SGD with momentum 1) and 2 work arrays;
    per sample of a batch about 6 float32 activations per unit."""
    buffers = 2 if optimizer == "adam" else 1
    per_parameter = 8 + 4 * (2 + buffers + 2)
    return parameter_count(sizes) * per_parameter + batch_size * sum(sizes[1:]) * 4 * 6


def _ram() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PiB"  # pragma: no cover


# -------------------------------------------------------------------- checking the options
def _refuse_ignored(args: argparse.Namespace, lang: str) -> None:
    """Refuse an option the run would ignore."""
    if args.force and args.checkpoint is None:
        raise UserError(message("train.error.force", lang))
    if args.resume_schedule is not None and args.resume is None:
        raise UserError(message("train.error.resume_schedule", lang))
    if args.momentum is not None and args.optimizer not in (None, "sgd"):
        raise UserError(message("train.error.momentum", lang, optimizer=args.optimizer))
    schedule = args.schedule or DEFAULTS[args.dataset or "fashion-mnist"]["schedule"]
    if args.lr_decay is not None and schedule != "exponential":
        raise UserError(message("train.error.lr_decay", lang, schedule=schedule))


def _fill_defaults(args: argparse.Namespace) -> None:
    """The data set's defaults for every setting not given (nor taken from a checkpoint)."""
    args.dataset = args.dataset or "fashion-mnist"
    args.optimizer = args.optimizer or "adam"
    if args.epochs is None:
        args.epochs = DEFAULT_EPOCHS
    if args.momentum is None and args.optimizer == "sgd":
        args.momentum = DEFAULT_MOMENTUM
    for name, value in DEFAULTS[args.dataset].items():
        if getattr(args, name, None) is None:
            setattr(args, name, list(value) if isinstance(value, list) else value)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if args.schedule != "exponential":
        args.lr_decay = None


def _take_saved_settings(args: argparse.Namespace, saved: dict, run: Path, lang: str) -> None:
    """A continued run keeps its settings: those not given are taken from its checkpoint;
    one given that differs is refused (the run would become another run)."""
    if args.seed == 0 and saved.get("seed") not in (None, 0):
        args.seed = saved["seed"]  # --seed's default: not given
    conflicts = []
    for name in SETTINGS:
        given, kept = getattr(args, name, None), saved.get(name, LEGACY.get(name))
        if name == "epochs" or (name not in saved and name not in LEGACY):
            continue
        if given is None:
            setattr(args, name, list(kept) if isinstance(kept, list) else kept)
        elif kept is None and name in ("momentum", "lr_decay"):
            continue  # refused next, saying which setting would ignore it
        elif given != kept:
            option = "--" + name.replace("_", "-")
            conflicts.append((f"{option} {_shown(given)}", f"{option} {_shown(kept)}"))
    if conflicts:
        raise UserError(message(
            "train.error.conflict", lang, run=run, given=", ".join(g for g, _ in conflicts),
            saved=", ".join(k for _, k in conflicts),
        ))  # fmt: skip


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _check_writable(option: str, path: Path, folder: Path, lang: str) -> None:
    reason = unwritable(folder)
    if reason is not None:
        raise UserError(message("train.error.unwritable", lang, option=option, path=path,
                                folder=folder, reason=reason))  # fmt: skip


def _check_options(args: argparse.Namespace, lang: str) -> tuple[Path | None, int]:
    """Everything that can be checked before the data is loaded. Returns the checkpoint to
    continue from (None for a new run) and the epochs it holds.

    Raises:
        UserError: an option the run would ignore, --out a file or not writable, --data-dir
            missing, the model too large for this machine's memory, --resume naming no run,
            options that contradict the continued run's, fewer --epochs than it has.
        CheckpointError: --resume from a file that is not a checkpoint; --checkpoint naming
            an existing file without --force.
    """
    _refuse_ignored(args, lang)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(message("train.error.out_file", lang, out=out))
    existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    _check_writable("--out", out, existing, lang)
    if args.data_dir is not None and not args.data_dir.is_dir():
        problem = "not_dir" if args.data_dir.exists() else "missing"
        raise UserError(message(f"train.error.data_dir_{problem}", lang, dir=args.data_dir))
    resumed, trained = None, 0
    if args.resume is not None:
        resumed = _find_resumed(args, out, lang)
        trained, saved = peek_checkpoint(resumed)
        _take_saved_settings(args, saved, resumed.parent, lang)
        if args.epochs is None:
            args.epochs = max(int(saved.get("epochs") or trained), trained)
        if args.epochs < trained:
            raise UserError(message("train.error.fewer_epochs", lang, epochs=args.epochs,
                                    run=resumed.parent, trained=trained,
                                    suggest=trained + 10))  # fmt: skip
    _fill_defaults(args)
    _refuse_ignored(args, lang)  # again, with the settings taken from the checkpoint
    sizes = [28 * 28, *args.hidden, 10]
    need, ram = memory_estimate(sizes, args.optimizer, args.batch_size), _ram()
    if ram is not None and need > MEMORY_FRACTION * ram:
        raise UserError(message("train.error.memory", lang, hidden=_shown(args.hidden),
                                count=f"{parameter_count(sizes):,}", need=_size(need),
                                ram=_size(ram)))  # fmt: skip
    if resumed is not None:
        _check_writable("--resume", resumed, resumed.parent, lang)
        load_checkpoint(resumed)  # a corrupt file fails now, before the data is loaded
    elif args.checkpoint is not None:
        if args.checkpoint.parent.is_dir():
            _check_writable("--checkpoint", args.checkpoint, args.checkpoint.parent, lang)
        try:
            check_checkpoint_path(args.checkpoint)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as error:
            # the library's check, said in the command's words and the run's language
            key = f"train.error.checkpoint.{type(error).__name__}"
            folder = args.checkpoint.parent
            raise UserError(message(key, lang, path=args.checkpoint, folder=folder)) from None
        if not args.force:
            refuse_overwrite(args.checkpoint, resume="--resume", force="--force")
    return resumed, trained


def _find_resumed(args: argparse.Namespace, out: Path, lang: str) -> Path:
    named = args.resume or None
    if named is None and args.checkpoint is not None:
        named = str(args.checkpoint)  # --checkpoint FILE --resume: that file
    elif named is not None and args.checkpoint is not None:
        raise UserError(message("train.error.two_checkpoints", lang, run=named,
                                checkpoint=args.checkpoint))  # fmt: skip
    try:
        return find_run(named, out)
    except RunNotFoundError as error:
        key = {"none": "no_run", "missing": "missing_run", "no_checkpoint": "not_a_run"}
        raise UserError(message(f"train.error.{key[error.reason]}", lang, out=out, run=named,
                                name=CHECKPOINT_NAME)) from None  # fmt: skip


# --------------------------------------------------------------------------------- running
def run(args: argparse.Namespace) -> dict:
    """Train, evaluate and draw; returns what was measured.

    Returns:
        ``{"history" (the run's History), "test_accuracy" (float, after the last epoch),
        "checkpoint" (Path), "run_dir" (Path, the run's folder), "plots" (name -> Path),
        "config" (the settings saved in the checkpoint), "note" (the data), "schedule" (after
        a resume: what happened to the schedule, else None)}``.

    Raises:
        UserError, CheckpointError, OSError, IDXError, DownloadError, NonFiniteLossError: user
            errors (``micrograd-mlp`` prints them as one line), all but the last two found
            before training starts.
        SystemExit: status 130 after Ctrl-C, with one line saying how to continue.
    """
    lang = chosen_lang(args)
    resumed, trained = _check_options(args, lang)
    X_train, y_train, X_test, y_test, note = load_data(
        args.dataset, args.data_dir, args.download, lang
    )
    print(note)
    if args.limit is not None and args.limit < len(y_train):
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
        print(message("train.data.limit", lang, limit=f"{args.limit:,}"))
    config = {name: getattr(args, name) for name in SETTINGS}
    config.update(train_samples=len(y_train), activation="relu")
    if resumed is None:
        run_dir = new_run_dir(args.out)
        checkpoint = args.checkpoint or run_dir / CHECKPOINT_NAME
        print(message("train.new_run", lang, run=run_dir))
    else:
        run_dir, checkpoint = resumed.parent, resumed
    try:
        return _train(args, lang, (X_train, y_train, X_test, y_test, note), config, run_dir,
                      checkpoint, trained)  # fmt: skip
    finally:
        if resumed is None:
            with contextlib.suppress(OSError):
                run_dir.rmdir()  # only if nothing was written into it


def _train(
    args: argparse.Namespace, lang: str, data: tuple, config: dict, run_dir: Path,
    checkpoint: Path, trained: int,
) -> dict:  # fmt: skip
    X_train, y_train, X_test, y_test, note = data
    classes = class_names(args.dataset, lang)
    sizes = [*args.hidden, len(classes)]
    model = MLP(28 * 28, sizes, activation="relu", seed=args.seed, dropout=args.dropout)
    if args.optimizer == "adam":
        optimizer = Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    else:
        optimizer = SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                        weight_decay=args.weight_decay)  # fmt: skip
    scheduler = None
    if args.schedule == "cosine":
        scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)
    elif args.schedule == "exponential":
        scheduler = ExponentialLR(optimizer, gamma=args.lr_decay)
    count = parameter_count([784, *sizes])
    print(message("train.model", lang, sizes="-".join(map(str, [784, *sizes])),
                  dropout=f"{args.dropout:g}", count=f"{count:,}"))  # fmt: skip
    print(message("train.optimizer", lang, optimizer=_describe_optimizer(args, lang),
                  schedule=_describe_schedule(args, lang)))  # fmt: skip
    loss_fn = cross_entropy
    smoothing = ""
    if args.label_smoothing:
        loss_fn = functools.partial(cross_entropy, label_smoothing=args.label_smoothing)
        e = args.label_smoothing
        smoothing = message("train.smoothing", lang, e=f"{e:g}", true=f"{1 - e + e / 10:.3g}",
                            other=f"{e / 10:.3g}")  # fmt: skip
    train_loader = DataLoader(X_train, y_train, args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(X_test, y_test, batch_size=1000)
    if args.standardize:
        mean, std = INPUT_STATS[args.dataset]
        train_loader = Standardized(train_loader, mean, std)
        test_loader = Standardized(test_loader, mean, std)
        print(message("train.inputs_standardized", lang, mean=mean, std=std, loss=smoothing))
    else:
        print(message("train.inputs", lang, loss=smoothing))
    # Checkpoints of earlier versions lack the newer settings (and had schedule_epochs).
    saver = Checkpointing(
        checkpoint, resume=args.resume is not None, force=True, config=config, verbose=False,
        schedule=args.resume_schedule or "continue",
        may_change=("epochs", "schedule_epochs", "limit", *LEGACY),
    )  # fmt: skip
    tester = Evaluate(test_loader)
    notes = _Notes(lang, saver, run_dir, args.epochs if args.resume is not None else None)
    callbacks = [tester, ProgressLog(bars=not args.quiet, lines=True, lang=lang), notes, saver]
    if scheduler is not None:
        callbacks.insert(0, Schedule(scheduler))
    with blas_threads(args.threads):
        try:
            history = fit(model, train_loader, loss_fn=loss_fn, optimizer=optimizer,
                          epochs=args.epochs, metric=accuracy, callbacks=callbacks)  # fmt: skip
        except KeyboardInterrupt:
            _interrupted(saver, run_dir, lang)
        final = tester.last  # the last epoch's evaluation; none if nothing was trained
        if final is None:
            notes.resumed(optimizer)
            print(message("train.resume.nothing", lang, run=run_dir, epoch=trained,
                          suggest=trained + 10))  # fmt: skip
            final = evaluate(model, test_loader, loss_fn, accuracy)
    done = history.epoch[-1] if history.epoch else 0
    final_key = "train.final_one" if done == 1 else "train.final"
    print(message(final_key, lang, epochs=done, accuracy=f"{final.accuracy:.4f}"))
    paths = draw(args, lang, history, final, X_test, y_test, classes, run_dir)
    files = ", ".join(str(p) for p in paths.values())
    if saver.saved_epoch is not None and done > trained:  # a checkpoint was written now
        print(message("train.wrote", lang, files=files, checkpoint=checkpoint))
    else:
        print(message("train.wrote_pictures", lang, files=files))
    return {
        "history": history,
        "test_accuracy": final.accuracy,
        "checkpoint": checkpoint,
        "run_dir": run_dir,
        "plots": paths,
        "config": config,
        "note": note,
        "schedule": saver.schedule_change,
    }


def class_names(dataset: str, lang: str | None = None) -> list[str]:
    """The names of the 10 classes in ``lang`` (digits for MNIST)."""
    if dataset == "mnist":
        return list(SOURCES[dataset].classes)
    return [message(f"train.class.{dataset}.{i}", lang) for i in range(10)]


def _describe_optimizer(args: argparse.Namespace, lang: str) -> str:
    return message(f"train.describe.{args.optimizer}", lang, lr=f"{args.lr:g}",
                   momentum=f"{args.momentum:g}" if args.momentum is not None else "",
                   weight_decay=f"{args.weight_decay:g}")  # fmt: skip


def _describe_schedule(args: argparse.Namespace, lang: str) -> str:
    return message(
        f"train.describe.{args.schedule}",
        lang,
        lr=f"{args.lr:g}",
        epochs=args.epochs,
        gamma=f"{args.lr_decay:g}" if args.lr_decay else "",
    )


class _Notes(Callback):
    """What the command says besides the progress lines: how a continued run goes on (its
    epochs and schedule) before its first epoch, and once, the first time it happens, why the
    training accuracy can be below the test accuracy."""

    def __init__(self, lang: str, saver: Checkpointing, run_dir: Path, epochs: int | None):
        self.lang, self.saver, self.run_dir = lang, saver, run_dir
        self.epochs = epochs  # of a continued run; None for a new one
        self.told_resume = self.explained = False

    def resumed(self, optimizer: Any) -> None:
        """How the continued run goes on (once; nothing for a new run)."""
        saved, epochs = self.saver.saved_epoch, self.epochs
        if self.told_resume or epochs is None or saved is None:
            return
        self.told_resume = True
        if saved >= epochs:
            return
        key = "train.resume.continuing" + ("_one" if saved + 1 == epochs else "")
        print(message(key, self.lang, run=self.run_dir, epoch=saved,
                      first=saved + 1, last=epochs))  # fmt: skip
        change = self.saver.schedule_change
        if change is not None:
            print(
                message(
                    f"train.resume.schedule_{change}",
                    self.lang,
                    epochs=epochs,
                    left=epochs - saved,
                    lr=f"{optimizer.lr:.3g}",
                    next=saved + 1,
                )
            )

    def on_epoch_begin(self, run: Any) -> None:
        self.resumed(run.optimizer)

    def on_epoch_end(self, run: Any) -> None:
        h = run.history
        if self.explained or not (h.epoch_metric and h.test_metric):
            return
        if h.epoch_metric[-1] < h.test_metric[-1]:
            self.explained = True
            print(
                message(
                    "train.note.train_below_test",
                    self.lang,
                    train=f"{h.epoch_metric[-1]:.4f}",
                    test=f"{h.test_metric[-1]:.4f}",
                )
            )


def _interrupted(saver: Checkpointing, run_dir: Path, lang: str) -> None:
    """Ctrl-C: one line on where the last checkpoint is and how to continue; exit status 130."""
    if saver.saved_epoch:
        run = run_dir if saver.path == run_dir / CHECKPOINT_NAME else saver.path
        where = message("train.interrupted", lang, checkpoint=saver.path,
                        epoch=saver.saved_epoch, run=run)  # fmt: skip
    else:
        where = message("train.interrupted_early", lang)
    print(f"\nmicrograd-mlp {COMMAND}: {where}", file=sys.stderr, flush=True)
    raise SystemExit(130)


# -------------------------------------------------------------------------------- pictures
def draw(
    args: argparse.Namespace, lang: str, history: Any, final: Any, X_test: np.ndarray,
    y_test: np.ndarray, classes: list[str], run_dir: Path,
) -> dict[str, Path]:  # fmt: skip
    """The run's pictures, with their text in ``lang`` (English when no Hangul font is
    installed): loss and accuracy per epoch, the confusion matrix, a grid of predictions."""
    # Matplotlib is imported only now, after training (it takes a second).
    from matplotlib import rc_context

    from micrograd_mlp.viz import plot_confusion_matrix, plot_image_grid, plot_training_history
    from micrograd_mlp.viz.fonts import plot_lang, plot_rc
    from micrograd_mlp.viz.plots import save_figure

    lang = plot_lang(lang)
    names = class_names(args.dataset, lang)

    def text(key: str, **fields: object) -> str:
        return message(f"train.plot.{key}", lang, **fields)

    paths = {name: run_dir / f"{name}.png" for name in ("history", "confusion_matrix",
                                                          "predictions")}  # fmt: skip
    sizes = "-".join(map(str, [784, *args.hidden, len(classes)]))
    with rc_context(plot_rc(lang)):
        fig = plot_training_history(
            history.to_dict(), title=text("history_title", dataset=args.dataset, sizes=sizes,
                                          optimizer=args.optimizer))  # fmt: skip
        for ax in fig.axes:
            ax.set_xlabel(text("epoch"))
            ax.set_ylabel(text(ax.get_ylabel()))  # "loss", "accuracy"
            for line in ax.get_lines():
                line.set_label(text(line.get_label()))  # "train", "test"
            ax.legend(loc="best")
        save_figure(fig, paths["history"])
        accuracy_text = f"{final.accuracy:.4f}"
        fig = plot_confusion_matrix(
            confusion_matrix(y_test, final.predictions, len(classes)), names,
            title=text("confusion_title", dataset=args.dataset, accuracy=accuracy_text),
        )  # fmt: skip
        matrix, colorbar = fig.axes[:2]
        matrix.set(xlabel=text("predicted"), ylabel=text("true"))
        colorbar.set_ylabel(text("count"))
        save_figure(fig, paths["confusion_matrix"])
        shown = slice(0, GRID_IMAGES)
        fig = plot_image_grid(X_test[shown], y_test[shown], final.predictions[shown], names)
        for ax, true, pred in zip(fig.axes, y_test[shown], final.predictions[shown]):
            ax.set_title(text("grid_title", true=names[true], pred=names[pred]),
                         fontsize=8, color=ax.title.get_color())  # fmt: skip
        fig.suptitle(text("grid_suptitle", dataset=args.dataset, n=len(fig.axes)))
        save_figure(fig, paths["predictions"])
    return paths


__all__ = [
    "COMMAND",
    "DEFAULTS",
    "add_arguments",
    "class_names",
    "draw",
    "load_data",
    "memory_estimate",
    "parameter_count",
    "run",
]
