"""Train an MLP on Fashion-MNIST or MNIST with the vectorized engine.

``micrograd-mlp train --dataset fashion-mnist --epochs 20`` trains a 784-512-256-10 ReLU
network (dropout after each hidden layer) with Adam on mini-batches (a cosine learning-rate
schedule), through the one training
loop of ``micrograd_mlp.training.fit``: a progress bar per epoch on a terminal (one line per
epoch in a log), test accuracy after each epoch, and under ``--out``: ``history.png`` (loss and
accuracy per epoch), ``confusion_matrix.png``, ``predictions.png`` (test images with predicted
and true labels) and ``checkpoint.npz``, from which ``--resume`` continues exactly (pass the
same options; a larger ``--epochs`` too, except with the cosine schedule, which is planned over
``--epochs``). An existing checkpoint is never replaced unless
``--force`` is given. Ctrl-C stops training and says where the last checkpoint is.

The defaults differ by data set (see DEFAULTS below and ``benchmarks/README.md`` for the
figures they reach in 20 epochs).

Fashion-MNIST uses its 60,000 training and 10,000 test images. For MNIST, when its training
split is not available (the shared data holds only the official 10,000-image test split), a
seeded 8,000 of the test split train and the other 2,000 test; the demo says so.

Without the data files, pass ``--data-dir DIR`` (the directory with the IDX files), set
``MICROGRAD_MLP_DATA``, or pass ``--download`` to fetch them (MD5-checked) into the cache.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from micrograd_mlp.data import (
    DataLoader,
    DataNotFoundError,
    load_mnist,
    train_test_split,
)
from micrograd_mlp.data.mnist import SOURCES
from micrograd_mlp.demos.options import UserError, float_option, int_option
from micrograd_mlp.metrics import accuracy, confusion_matrix
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from micrograd_mlp.tensor.functional import cross_entropy
from micrograd_mlp.tensor.nn import MLP
from micrograd_mlp.training import Checkpointing, Evaluate, ProgressLog, Schedule, evaluate, fit
from micrograd_mlp.training.checkpoint import (
    check_checkpoint_path,
    load_checkpoint,
    refuse_overwrite,
)

COMMAND = "train"
HELP = "train an MLP on Fashion-MNIST or MNIST (vectorized engine; needs the data files)"
BUILTIN_DATA = False

#: The defaults of each data set: what ``micrograd-mlp train --dataset D`` uses without
#: tuning. Measured in benchmarks/README.md (section "Accuracy of micrograd-mlp train").
DEFAULTS = {
    "fashion-mnist": {
        "hidden": [512, 256],
        "batch_size": 64,
        "dropout": 0.3,
        "weight_decay": 0.0,
        "schedule": "cosine",
        "lr_decay": 0.9,
    },
    "mnist": {
        "hidden": [512, 256],
        "batch_size": 32,
        "dropout": 0.3,
        "weight_decay": 0.0,
        "schedule": "cosine",
        "lr_decay": 0.9,
    },
}
#: Default learning rate of each optimizer (Adam: Kingma & Ba's suggestion; SGD with momentum
#: 0.9: the value measured in benchmarks/README.md to train this MLP well).
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05}
#: SGD's momentum unless ``--momentum`` says otherwise.
DEFAULT_MOMENTUM = 0.9
#: Learning-rate schedules (PyTorch's schedulers, stepped once per epoch): ``exponential``
#: multiplies the rate by ``--lr-decay`` after every epoch; ``cosine`` anneals it from ``--lr``
#: to 0 over ``--epochs`` epochs (Loshchilov & Hutter, SGDR, 2017); ``constant`` keeps it.
SCHEDULES = ("cosine", "exponential", "constant")
#: MNIST without its training split: this many of the 10,000 test images train, the rest test.
MNIST_TRAIN_SIZE = 8000
#: The split of MNIST's test images does not depend on --seed, so that runs with different
#: seeds are measured on the same 2,000 test images.
MNIST_SPLIT_SEED = 0
#: Test images shown in predictions.png.
GRID_IMAGES = 36
#: The options of the "not found" advice, in this command's words.
CLI_WORDS = {"root": "--data-dir DIR", "root_place": "--data-dir", "download": "--download"}
#: Refuse a model whose estimated memory exceeds this fraction of the machine's RAM.
MEMORY_FRACTION = 0.8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``micrograd-mlp train``."""
    fm, mn = DEFAULTS["fashion-mnist"], DEFAULTS["mnist"]
    parser.add_argument(
        "--dataset",
        choices=("fashion-mnist", "mnist"),
        default="fashion-mnist",
        help="data set (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden",
        type=int_option(1),
        nargs="+",
        default=None,
        metavar="N",
        help="hidden layer sizes (default: "
        f"{' '.join(map(str, fm['hidden']))} fashion-mnist, {' '.join(map(str, mn['hidden']))} "
        "mnist)",
    )
    parser.add_argument(
        "--epochs", type=int_option(1, 100_000), default=20, help="epochs (default: %(default)s)"
    )
    parser.add_argument(
        "--batch-size",
        type=int_option(1, 1_000_000),
        default=None,
        help=f"samples per step (default: {fm['batch_size']} for fashion-mnist, "
        f"{mn['batch_size']} for mnist's 8,000)",
    )
    parser.add_argument(
        "--optimizer", choices=("adam", "sgd"), default="adam", help="optimizer (default: adam)"
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=None,
        help="learning rate (default: 1e-3 Adam, 0.05 SGD)",
    )
    parser.add_argument(
        "--momentum",
        type=float_option(0, 1, exclusive_maximum=True),
        default=None,
        help=f"--optimizer sgd: its momentum, in [0, 1) (default: {DEFAULT_MOMENTUM:g})",
    )
    parser.add_argument(
        "--weight-decay",
        type=float_option(0),
        default=None,
        metavar="W",
        help=f"L2 penalty coefficient added to the gradients (default: {fm['weight_decay']:g} "
        f"fashion-mnist, {mn['weight_decay']:g} mnist)",
    )
    parser.add_argument(
        "--dropout",
        type=float_option(0, 1, exclusive_maximum=True),
        default=None,
        metavar="P",
        help=f"dropout probability after every hidden layer (default: {fm['dropout']:g} "
        f"fashion-mnist, {mn['dropout']:g} mnist)",
    )
    parser.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=None,
        help=f"learning-rate schedule, per epoch (default: {fm['schedule']} fashion-mnist, "
        f"{mn['schedule']} mnist)",
    )
    parser.add_argument(
        "--lr-decay",
        type=float_option(0, 1, exclusive_minimum=True),
        default=None,
        metavar="GAMMA",
        help="--schedule exponential: multiply the learning rate by GAMMA after every epoch "
        f"(default: {fm['lr_decay']:g})",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory with the IDX files, or its parent holding fashion-mnist/ or mnist/ "
        "(default: $MICROGRAD_MLP_DATA, then the cache ~/.cache/micrograd-mlp)",
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="download missing files into the cache (MD5-checked)",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="checkpoint file, written after every epoch (default: OUT/checkpoint.npz)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint, exactly")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing checkpoint of another run (without it, train refuses)",
    )
    parser.add_argument(
        "--limit",
        type=int_option(1),
        default=None,
        metavar="N",
        help="train on the first N samples only",
    )
    parser.add_argument(
        "--threads",
        type=int_option(1, 1024),
        default=None,
        help="BLAS threads (default: as NumPy starts, usually one per core)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars (one line per epoch still)"
    )


def load_data(
    dataset: str, data_dir: Path | None = None, download: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The training and test images and labels of ``dataset``, and a note on the split.

    Returns:
        ``X_train, y_train, X_test, y_test`` (uint8 ``(N, 28, 28)`` images, int64 labels) and
        a one-line description of where they came from.

    Raises:
        DataNotFoundError: the files are not found (the message lists where it looked).
        FileNotFoundError: ``data_dir`` does not exist.
        IDXError: a file is damaged or holds labels outside 0-9.
    """
    if dataset == "mnist":
        try:
            X_train, y_train = load_mnist(dataset, "train", root=data_dir, download=download)
        except FileNotFoundError:
            images, labels = load_mnist(dataset, "test", root=data_dir, download=download)
            X_train, X_test, y_train, y_test = train_test_split(
                images, labels, MNIST_TRAIN_SIZE, seed=MNIST_SPLIT_SEED
            )
            note = (
                f"MNIST's training split is not available: training on a seeded "
                f"{len(y_train):,} of its 10,000 test images and testing on the other "
                f"{len(y_test):,}"
            )
            return X_train, y_train, X_test, y_test, note
    else:
        X_train, y_train = load_mnist(dataset, "train", root=data_dir, download=download)
    X_test, y_test = load_mnist(dataset, "test", root=data_dir, download=download)
    note = f"{dataset}: {len(y_train):,} training and {len(y_test):,} test images"
    return X_train, y_train, X_test, y_test, note


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit NumPy's BLAS to ``n`` threads inside the block (``None``: leave it as it is)."""
    if n is None:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


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


def _fill_defaults(args: argparse.Namespace) -> None:
    """Refuse an option the chosen settings would ignore, then fill in the data set's defaults.

    Raises:
        UserError: ``--momentum`` without ``--optimizer sgd``; ``--lr-decay`` without
            ``--schedule exponential``.
    """
    if args.momentum is not None and args.optimizer != "sgd":
        raise UserError(
            f"--momentum is SGD's; --optimizer {args.optimizer} would ignore it: "
            "drop it or pass --optimizer sgd"
        )
    schedule = args.schedule or DEFAULTS[args.dataset]["schedule"]
    if args.lr_decay is not None and schedule != "exponential":
        raise UserError(
            f"--lr-decay is the factor of --schedule exponential; --schedule {schedule} would "
            "ignore it: drop it or pass --schedule exponential"
        )
    if args.momentum is None and args.optimizer == "sgd":
        args.momentum = DEFAULT_MOMENTUM
    for name, value in DEFAULTS[args.dataset].items():
        if getattr(args, name, None) is None:
            setattr(args, name, list(value) if isinstance(value, list) else value)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]


def _check_options(args: argparse.Namespace, classes: int) -> Path:
    """Everything that can be checked before the data is loaded; returns the checkpoint path.

    Raises:
        UserError: ``--out`` is a file, ``--data-dir`` does not exist, the model would not fit
            in memory, ``--resume`` without a checkpoint.
        CheckpointError: ``--resume`` from a file that is not a checkpoint, or an existing
            checkpoint without ``--resume``/``--force``.
        FileNotFoundError: the checkpoint's directory does not exist.
    """
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out '{out}' is a file; give a directory (it is created if missing)")
    if args.data_dir is not None and not args.data_dir.is_dir():
        problem = "is not a directory" if args.data_dir.exists() else "does not exist"
        raise UserError(f"--data-dir '{args.data_dir}' {problem}")
    sizes = [28 * 28, *args.hidden, classes]
    need, ram = memory_estimate(sizes, args.optimizer, args.batch_size), _ram()
    if ram is not None and need > MEMORY_FRACTION * ram:
        raise UserError(
            f"--hidden {' '.join(map(str, args.hidden))}: the model would have "
            f"{parameter_count(sizes):,} parameters and need about {_size(need)} of memory to "
            f"train, more than this machine's {_size(ram)}; choose smaller layers"
        )
    checkpoint = args.checkpoint or out / "checkpoint.npz"
    if args.checkpoint is None:
        out.mkdir(parents=True, exist_ok=True)
    checkpoint = check_checkpoint_path(checkpoint)
    if args.resume:
        if not checkpoint.is_file():
            raise UserError(f"--resume: no checkpoint file at '{checkpoint}'")
        load_checkpoint(checkpoint)  # a corrupt or foreign file fails now, before the data
    elif not args.force:
        refuse_overwrite(checkpoint, resume="--resume", force="--force")
    return checkpoint


def run(args: argparse.Namespace) -> dict:
    """Train, evaluate and draw; returns what was measured.

    Returns:
        ``{"history" (the run's micrograd_mlp.training.History), "test_accuracy" (float,
        after the last epoch), "checkpoint" (Path), "plots" (name -> Path), "config" (the
        settings saved in the checkpoint), "note" (the data split)}``.

    Raises:
        UserError, CheckpointError, OSError, IDXError, DownloadError, NonFiniteLossError: user
            errors (``micrograd-mlp`` prints them as one line): see ``_check_options`` (all
            checked before the data is loaded), missing data (the message names
            ``--data-dir`` and ``--download``), damaged data, a loss that became NaN or
            infinite (the epoch and step are named).
        SystemExit: status 130 after Ctrl-C, with one line saying where the last checkpoint is.
    """
    _fill_defaults(args)
    classes = list(SOURCES[args.dataset].classes)
    checkpoint = _check_options(args, len(classes))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        X_train, y_train, X_test, y_test, note = load_data(
            args.dataset, args.data_dir, args.download
        )
    except DataNotFoundError as error:
        raise UserError(error.advice(CLI_WORDS)) from None
    print(note)
    if args.limit is not None and args.limit < len(y_train):
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
        print(f"--limit: training on the first {args.limit:,} samples only")
    config = {
        "dataset": args.dataset,
        "train_samples": len(y_train),
        "hidden": list(args.hidden),
        "activation": "relu",
        "dropout": args.dropout,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "momentum": args.momentum if args.optimizer == "sgd" else None,
        "weight_decay": args.weight_decay,
        "schedule": args.schedule,
        "lr_decay": args.lr_decay if args.schedule == "exponential" else None,
        # The cosine schedule is planned over --epochs: a resume must keep it (exactly).
        "schedule_epochs": args.epochs if args.schedule == "cosine" else None,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "epochs": args.epochs,
    }
    sizes = [*args.hidden, len(classes)]
    model = MLP(28 * 28, sizes, activation="relu", seed=args.seed, dropout=args.dropout)
    if args.optimizer == "adam":
        optimizer = Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    else:
        optimizer = SGD(
            model.parameters(),
            lr=args.lr,
            momentum=args.momentum,
            weight_decay=args.weight_decay,
        )
    scheduler = _scheduler(args, optimizer)
    count = parameter_count([28 * 28, *sizes])
    print(f"model: {model}: {count:,} parameters in {2 * len(sizes)} tensors")
    print(f"optimizer: {optimizer}; schedule: {scheduler if scheduler is not None else 'constant'}")
    train_loader = DataLoader(X_train, y_train, args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(X_test, y_test, batch_size=1000)
    saver = Checkpointing(checkpoint, resume=args.resume, force=True, config=config)
    tester = Evaluate(test_loader)
    callbacks = [tester, saver, ProgressLog(bars=not args.quiet, lines=True)]
    if scheduler is not None:
        callbacks.insert(0, Schedule(scheduler))
    with blas_threads(args.threads):
        try:
            history = fit(
                model,
                train_loader,
                loss_fn=cross_entropy,
                optimizer=optimizer,
                epochs=args.epochs,
                metric=accuracy,
                callbacks=callbacks,
            )
        except KeyboardInterrupt:
            _interrupted(saver)
        # The last epoch's evaluation is the final one; evaluate only when no epoch ran (a
        # resume of a finished run).
        final = tester.last
        if final is None:
            final = evaluate(model, test_loader, cross_entropy, accuracy)
    done = history.epoch[-1] if history.epoch else 0
    print(f"test accuracy after {done} epoch{'s' * (done != 1)}: {final.accuracy:.4f}")

    # Matplotlib is imported only now, after training (it takes a second).
    from micrograd_mlp.viz import plot_confusion_matrix, plot_image_grid, plot_training_history

    title = f"{args.dataset}, MLP 784-{'-'.join(map(str, args.hidden))}-10, {args.optimizer}"
    paths = {name: out / f"{name}.png" for name in ("history", "confusion_matrix", "predictions")}
    # The figures are not registered with pyplot: nothing to close.
    plot_training_history(history.to_dict(), paths["history"], title=title)
    plot_confusion_matrix(
        confusion_matrix(y_test, final.predictions, len(classes)),
        classes,
        paths["confusion_matrix"],
        title=f"{args.dataset}: test set (accuracy {final.accuracy:.4f})",
    )
    plot_image_grid(
        X_test[:GRID_IMAGES],
        y_test[:GRID_IMAGES],
        final.predictions[:GRID_IMAGES],
        classes,
        paths["predictions"],
    )
    print(f"wrote {', '.join(str(p) for p in paths.values())} and {checkpoint}")
    return {
        "history": history,
        "test_accuracy": final.accuracy,
        "checkpoint": checkpoint,
        "plots": paths,
        "config": config,
        "note": note,
    }


def _scheduler(args: argparse.Namespace, optimizer: Adam | SGD) -> object | None:
    if args.schedule == "cosine":
        return CosineAnnealingLR(optimizer, T_max=args.epochs)
    if args.schedule == "exponential":
        return ExponentialLR(optimizer, gamma=args.lr_decay)
    return None


def _interrupted(saver: Checkpointing) -> None:
    """Ctrl-C: one line on where the last checkpoint is and how to continue; exit status 130."""
    if saver.saved_epoch:
        where = (
            f"the last checkpoint is {saver.path} (after epoch {saver.saved_epoch}); to continue, "
            "run the same command with --resume"
        )
    else:
        where = "no checkpoint was written yet (the first epoch had not finished)"
    print(f"\nmicrograd-mlp {COMMAND}: interrupted; {where}", file=sys.stderr, flush=True)
    raise SystemExit(130)


__all__ = [
    "COMMAND",
    "DEFAULTS",
    "add_arguments",
    "load_data",
    "memory_estimate",
    "parameter_count",
    "run",
]
