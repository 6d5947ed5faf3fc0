"""Train an MLP on Fashion-MNIST or MNIST with the vectorized engine.

``micrograd-mlp train --dataset fashion-mnist --hidden 256 128 --epochs 20`` trains a
784-256-128-10 ReLU network with Adam (lr 1e-3, times 0.9 after every epoch) on mini-batches of
128 (32 for MNIST), shows a progress bar per epoch, measures test accuracy after each epoch,
and writes under ``--out``: ``history.png`` (loss and accuracy per epoch),
``confusion_matrix.png``, ``predictions.png`` (test images with predicted and true labels) and
``checkpoint.npz``, from which ``--resume`` continues exactly (pass the same options and a larger
``--epochs``). With these defaults, test accuracy after 20 epochs: Fashion-MNIST 0.894-0.898,
MNIST (8,000/2,000) 0.952-0.954 (seeds 0-3, see ``benchmarks/README.md``).

Fashion-MNIST uses its 60,000 training and 10,000 test images. For MNIST, when its training
split is not available (the shared data holds only the official 10,000-image test split), a
seeded 8,000 of the test split train and the other 2,000 test; the demo says so.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from micrograd_mlp.checkpoint import CheckpointError, check_checkpoint_path
from micrograd_mlp.data import DataLoader, DownloadError, IDXError, load_mnist, train_test_split
from micrograd_mlp.data.mnist import SOURCES
from micrograd_mlp.metrics import confusion_matrix
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor.nn import MLP
from micrograd_mlp.tensor.train import NonFiniteLossError, evaluate, train

COMMAND = "train"
HELP = "train an MLP on Fashion-MNIST or MNIST (vectorized engine; needs the data files)"
BUILTIN_DATA = False

#: Default learning rate of each optimizer (Adam: Kingma & Ba's suggestion; SGD with momentum
#: 0.9: the value measured in benchmarks/README.md to train this MLP well).
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05}
#: Learning rate multiplier per epoch (PyTorch's ExponentialLR): lr_k = lr * 0.9**k. Measured
#: (benchmarks/README.md): it steadies the late epochs, where a constant Adam lr of 1e-3 makes
#: Fashion-MNIST's test accuracy wander between 0.88 and 0.894.
DEFAULT_LR_DECAY = 0.9
#: Batch size by data set: with only 8,000 MNIST training images, batches of 32 (250 noisier
#: steps per epoch) generalise better than 128 (measured: 0.953 against 0.946 after 20 epochs).
DEFAULT_BATCH_SIZE = {"fashion-mnist": 128, "mnist": 32}
#: MNIST without its training split: this many of the 10,000 test images train, the rest test.
MNIST_TRAIN_SIZE = 8000
#: The split of MNIST's test images does not depend on --seed, so that runs with different
#: seeds are measured on the same 2,000 test images.
MNIST_SPLIT_SEED = 0
#: Errors a user can cause, reported by the command as one line instead of a traceback.
USER_ERRORS = (OSError, CheckpointError, NonFiniteLossError, IDXError, DownloadError)
#: Test images shown in predictions.png.
GRID_IMAGES = 36


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``micrograd-mlp train``."""
    parser.add_argument(
        "--dataset",
        choices=("fashion-mnist", "mnist"),
        default="fashion-mnist",
        help="data set (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=[256, 128],
        metavar="N",
        help="hidden layer sizes (default: 256 128)",
    )
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default: %(default)s)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="samples per step (default: 128 for fashion-mnist, 32 for mnist's 8,000)",
    )
    parser.add_argument(
        "--optimizer",
        choices=("adam", "sgd"),
        default="adam",
        help="adam or sgd (with --momentum) (default: %(default)s)",
    )
    parser.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: 1e-3 Adam, 0.05 SGD)"
    )
    parser.add_argument(
        "--momentum", type=float, default=0.9, help="SGD momentum (default: %(default)s)"
    )
    parser.add_argument(
        "--lr-decay",
        type=float,
        default=DEFAULT_LR_DECAY,
        metavar="GAMMA",
        help="multiply the learning rate by GAMMA after every epoch (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory with the IDX files (default: the usual search, see load_mnist)",
    )
    parser.add_argument(
        "--download", action="store_true", help="download missing files (MD5-checked)"
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="checkpoint file, written after every epoch (default: OUT/checkpoint.npz)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint, exactly")
    parser.add_argument(
        "--limit", type=int, default=None, metavar="N", help="train on the first N samples only"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="BLAS threads (default: as NumPy starts, usually one per core)",
    )
    parser.add_argument(
        "--no-check-finite",
        action="store_true",
        help="keep training when the loss becomes NaN or infinite (default: stop)",
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
        FileNotFoundError: the files are not found (the message lists where it looked).
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


def _check_options(args: argparse.Namespace) -> None:
    def bad(message: str) -> SystemExit:
        return SystemExit(f"micrograd-mlp {COMMAND}: error: {message}")

    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            raise bad(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if any(h < 1 for h in args.hidden):
        raise bad(f"--hidden sizes must be >= 1, got {args.hidden}")
    for name in ("limit", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise bad(f"--{name} must be >= 1, got {getattr(args, name)}")
    if not 0.0 < args.lr_decay <= 1.0:
        raise bad(f"--lr-decay must be in (0, 1], got {args.lr_decay}")


def run(args: argparse.Namespace) -> dict:
    """Train, evaluate and draw; returns what was measured.

    Returns:
        ``{"history" (per-epoch lists, see micrograd_mlp.tensor.train.HISTORY_KEYS),
        "test_accuracy" (float, after the last epoch), "checkpoint" (Path), "plots" (name ->
        Path), "config" (the settings saved in the checkpoint), "note" (the data split)}``.

    Raises:
        SystemExit: with a one-line message (no traceback) for a bad option value and for the
            errors of :data:`USER_ERRORS`: missing data files, a checkpoint directory that does
            not exist (both before any training), ``--resume`` without a checkpoint file or
            from a corrupt one or one written with other options, a loss that became NaN or
            infinite (the epoch and step are named). The original exception is chained.
    """
    try:
        return _train(args)
    except USER_ERRORS as error:
        raise SystemExit(f"micrograd-mlp {COMMAND}: error: {error}") from error


def _train(args: argparse.Namespace) -> dict:
    if args.batch_size is None:
        args.batch_size = DEFAULT_BATCH_SIZE[args.dataset]
    _check_options(args)
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = check_checkpoint_path(args.checkpoint or out / "checkpoint.npz")
    if args.resume and not checkpoint.is_file():
        raise FileNotFoundError(f"--resume: no checkpoint file at '{checkpoint}'")

    X_train, y_train, X_test, y_test, note = load_data(args.dataset, args.data_dir, args.download)
    print(note)
    if args.limit is not None and args.limit < len(y_train):
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
        print(f"--limit: training on the first {args.limit:,} samples only")
    classes = list(SOURCES[args.dataset].classes)
    config = {
        "dataset": args.dataset,
        "train_samples": len(y_train),
        "hidden": list(args.hidden),
        "activation": "relu",
        "optimizer": args.optimizer,
        "lr": lr,
        "momentum": args.momentum if args.optimizer == "sgd" else None,
        "lr_decay": args.lr_decay,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "epochs": args.epochs,
    }
    model = MLP(28 * 28, [*args.hidden, len(classes)], activation="relu", seed=args.seed)
    if args.optimizer == "adam":
        optimizer = Adam(model.parameters(), lr=lr)
    else:
        optimizer = SGD(model.parameters(), lr=lr, momentum=args.momentum)
    print(f"model: {model}, optimizer: {optimizer}")
    train_loader = DataLoader(X_train, y_train, args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(X_test, y_test, batch_size=1000)

    with blas_threads(args.threads):
        history = train(
            model,
            optimizer,
            train_loader,
            args.epochs,
            test_loader=test_loader,
            checkpoint=checkpoint,
            resume=args.resume,
            config=config,
            lr_schedule=lambda epoch: lr * args.lr_decay**epoch,
            check_finite=not args.no_check_finite,
            progress=not args.quiet,
        )
        final = evaluate(model, test_loader)
    done = history["epoch"][-1]
    print(f"test accuracy after {done} epoch{'s' * (done != 1)}: {final.accuracy:.4f}")

    # Matplotlib is imported only now, after training (it takes a second).
    from micrograd_mlp.viz import plot_confusion_matrix, plot_image_grid, plot_training_history

    title = f"{args.dataset}, MLP 784-{'-'.join(map(str, args.hidden))}-10, {args.optimizer}"
    paths = {name: out / f"{name}.png" for name in ("history", "confusion_matrix", "predictions")}
    # The figures are not registered with pyplot: nothing to close.
    plot_training_history(history, paths["history"], title=title)
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
