"""MNIST and Fashion-MNIST: find the IDX files (or download them) and load a split.

Where the files are looked for, in order (the first directory holding both files of the
requested split wins; a directory holding only some files is passed over):

1. ``root=``: the directory with the files, or a parent holding ``<name>/``;
2. the environment variable ``MICROGRAD_MLP_DATA``, in the same two forms;
3. the per-user cache, ``$XDG_CACHE_HOME/micrograd-mlp/<name>`` (default ``~/.cache/...``);
4. ``/usr/share/datasets/<name>/`` (:data:`SYSTEM_DATA_DIR`; Debian's ``dataset-fashion-mnist``);
5. only with ``download=True``: the mirrors in :data:`SOURCES`, into the per-user cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import numpy as np

from micrograd_mlp.data.download import download_file
from micrograd_mlp.data.idx import IDXError, read_idx
from micrograd_mlp.data.loader import train_test_split

__all__ = [
    "ENV_VAR",
    "MNIST",
    "PYTHON_WORDS",
    "DataNotFoundError",
    "SOURCES",
    "SPLITS",
    "SYSTEM_DATA_DIR",
    "FashionMNIST",
    "cache_dir",
    "find_mnist",
    "load_mnist",
]

ENV_VAR = "MICROGRAD_MLP_DATA"
#: System-wide data sets (module-level so tests and unusual systems can point it elsewhere).
SYSTEM_DATA_DIR = Path("/usr/share/datasets")
#: split -> (images file, labels file), without the ``.gz`` the published files carry.
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGE_SHAPE = (28, 28)


@dataclass(frozen=True)
class Source:
    """Where a data set comes from: download mirrors, accepted MD5s per file, class names."""

    title: str
    mirrors: tuple[str, ...]
    md5: dict[str, tuple[str, ...]]
    classes: tuple[str, ...]
    hint: str = ""


#: Download mirrors and checksums. MNIST: the official site (LeCun, Cortes, Burges) and the
#: mirrors PyTorch and TensorFlow use, with the officially published MD5s. Fashion-MNIST: the
#: official bucket and repository (Xiao, Rasul, Vollgraf 2017) with the MD5s from its README,
#: then those of the copies in the project's shared data (listed in its README), whose gzip
#: headers carry no file name, so their bytes differ from the published files'.
SOURCES: dict[str, Source] = {
    "mnist": Source(
        title="MNIST",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        md5={
            "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873",),
            "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432",),
            "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3",),
            "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c",),
        },
        classes=tuple("0123456789"),
    ),
    "fashion-mnist": Source(
        title="Fashion-MNIST",
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        md5={
            "train-images-idx3-ubyte.gz": (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "cf8536b0aa1a6ac5fa3f23001093305c",
            ),
            "train-labels-idx1-ubyte.gz": (
                "25c81989df183df01b3e8a0aad5dffbe",
                "10bea18fdb374794d4bb42e356e600c9",
            ),
            "t10k-images-idx3-ubyte.gz": (
                "bef4ecab320f06d8554ea6380940ec79",
                "f78720b4224f21cce2f2ccf2d7a94c9a",
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "bb300cfdad3c16e7a12a480ee83cd310",
                "0d30e22e447f3c33dab9ed536400ac01",
            ),
        },
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        hint="Debian/Ubuntu: apt install dataset-fashion-mnist",
    ),
}


_ROOT_PLACE = "root= argument"
#: How the "not found" advice names the ways to point at the data, in Python's words (a CLI
#: passes its own: ``{"root": "--data-dir DIR", "download": "--download"}``).
PYTHON_WORDS = {"root": "root=<directory>", "root_place": _ROOT_PLACE, "download": "download=True"}


class DataNotFoundError(FileNotFoundError):
    """A data set's files are in none of the places searched.

    The message lists every place looked at and how to fix it; :meth:`advice` gives the same
    text with the options named in another interface's words.

    Attributes:
        name, split: the data set and split. report: one line per place searched.
    """

    def __init__(self, source: Source, name: str, split: str, report: list[str]) -> None:
        self.source, self.name, self.split, self.report = source, name, split, list(report)
        super().__init__(self.advice(PYTHON_WORDS))

    def advice(self, words: dict[str, str]) -> str:
        """The message, naming the options as ``words["root"]`` (the first place searched as
        ``words["root_place"]``) and ``words["download"]``."""
        source, name, split = self.source, self.name, self.split
        images, labels = SPLITS[split]
        lines = [
            f"{source.title} {split!r} split not found: no directory holds both {images}.gz and "
            f"{labels}.gz (or the uncompressed files). Searched, in order:",
            *(
                f"  {i}. {words['root_place'] + line[len(_ROOT_PLACE) :] if i == 1 else line}"
                for i, line in enumerate(self.report, 1)
            ),
            f"To fix it: pass {words['root']} (the directory with the files, or its parent "
            f"holding {name}/), or set {ENV_VAR} the same way, or pass {words['download']} to "
            f"fetch them into {cache_dir(name)} from {source.mirrors[0]}.",
        ]
        if source.hint:
            lines.append(f"({source.hint} installs them under {SYSTEM_DATA_DIR / name}.)")
        return "\n".join(lines)


def _check_root(root: str | os.PathLike[str] | None) -> None:
    """An explicit ``root`` must be an existing directory (a typo must not go unnoticed)."""
    if root is not None and not Path(root).is_dir():
        problem = "is not a directory" if Path(root).exists() else "does not exist"
        raise FileNotFoundError(f"data directory '{root}' {problem} (root={str(root)!r})")


def _check_name_split(name: str, split: str) -> Source:
    if name not in SOURCES:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(SOURCES)}")
    if split not in SPLITS:
        hint = ""
        if isinstance(split, (str, os.PathLike)) and (
            Path(split).exists() or os.sep in str(split)
        ):  # torchvision's MNIST(root) habit: here the first argument is the split
            hint = f"; it looks like a directory: pass it as root={str(split)!r}"
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}{hint}")
    return SOURCES[name]


def cache_dir(name: str) -> Path:
    """The per-user cache of data set ``name``: ``$XDG_CACHE_HOME/micrograd-mlp/<name>``.

    ``XDG_CACHE_HOME`` counts only when set to an absolute path (the XDG Base Directory
    specification); otherwise the cache is ``~/.cache/micrograd-mlp/<name>``.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "micrograd-mlp" / name


def _split_files(directory: Path, split: str) -> list[Path | None]:
    """The split's (images, labels) files in ``directory``, ``.gz`` preferred; None if absent."""
    found = []
    for stem in SPLITS[split]:
        candidates = [directory / f"{stem}.gz", directory / stem]
        found.append(next((p for p in candidates if p.is_file()), None))
    return found


def _candidates(name: str, root: str | os.PathLike[str] | None) -> Iterator[tuple[str, list[Path]]]:
    """(place, directories to try) in search order; an empty list means the place is unset."""
    env = os.environ.get(ENV_VAR, "")
    for place, base in ((_ROOT_PLACE, root), (f"${ENV_VAR}", env or None)):
        # The data set's own subdirectory first: it cannot hold another data set's files.
        yield place, [] if base is None else [Path(base) / name, Path(base)]
    yield "per-user cache", [cache_dir(name)]
    yield "system data sets", [SYSTEM_DATA_DIR / name]


def _search(
    name: str, split: str, root: str | os.PathLike[str] | None
) -> tuple[Path | None, list[str]]:
    """The first directory holding the split's files, and a line per place looked at."""
    report = []
    for place, directories in _candidates(name, root):
        if not directories:
            report.append(f"{place}: not set")
            continue
        notes = []
        for directory in directories:
            other = directory.name in SOURCES and directory.name != name
            if not directory.is_dir():
                notes.append(f"{directory} (does not exist)")
            elif other:
                notes.append(f"{directory} (skipped: named after data set {directory.name!r})")
            elif None in (files := _split_files(directory, split)):
                missing = [f"{stem}[.gz]" for stem, f in zip(SPLITS[split], files) if f is None]
                notes.append(f"{directory} (missing {', '.join(missing)})")
            else:
                return directory, report
        report.append(f"{place}: " + "; ".join(notes))
    return None, report


def find_mnist(
    name: str = "mnist", split: str = "train", root: str | os.PathLike[str] | None = None
) -> Path:
    """The directory :func:`load_mnist` would read ``name``'s ``split`` from (no download).

    Raises:
        ValueError: unknown ``name`` or ``split``.
        FileNotFoundError: ``root`` does not exist, or (:class:`DataNotFoundError`) no place
            holds both files; the message lists every place searched and how to fix it.
    """
    source = _check_name_split(name, split)
    _check_root(root)
    directory, report = _search(name, split, root)
    if directory is None:
        raise DataNotFoundError(source, name, split, report)
    return directory


def _download(
    source: Source, name: str, split: str, progress: bool, mirrors: Sequence[str] | None
) -> Path:
    target = cache_dir(name)
    for stem, present in zip(SPLITS[split], _split_files(target, split)):
        if present is None:
            filename = f"{stem}.gz"
            md5s = source.md5[filename]
            download_file(
                source.mirrors if mirrors is None else mirrors, filename, target, md5s, progress
            )
    return target


def _read_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray, Path]:
    """The split's images and labels (checked), and the images file they came from."""
    image_file, label_file = _split_files(directory, split)
    images, labels = read_idx(image_file), read_idx(label_file)
    if images.dtype != np.uint8 or images.shape[1:] != IMAGE_SHAPE or images.ndim != 3:
        raise IDXError(
            "errors.mnist.images", path=image_file, dtype=images.dtype, shape=images.shape
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise IDXError(
            "errors.mnist.labels", path=label_file, dtype=labels.dtype, shape=labels.shape
        )
    if len(images) != len(labels):
        raise IDXError(
            "errors.mnist.counts",
            images_file=image_file,
            images=len(images),
            labels_file=label_file,
            labels=len(labels),
        )
    if len(images) == 0:  # well-formed, but nothing can be trained or tested on it
        raise IDXError("errors.mnist.no_images", path=image_file, split=split)
    if labels.max() > 9:
        first = int(np.flatnonzero(labels > 9)[0])
        raise IDXError(
            "errors.mnist.label_range",
            path=label_file,
            index=first,
            label=int(labels[first]),
            count=int(np.count_nonzero(labels > 9)),
        )
    return images, labels.astype(np.int64), image_file


def _load(
    name: str,
    split: str,
    root: str | os.PathLike[str] | None,
    download: bool,
    progress: bool,
    mirrors: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, Path, Path]:
    """``images, labels, directory, images file`` of ``name``'s ``split``."""
    source = _check_name_split(name, split)
    _check_root(root)
    directory, report = _search(name, split, root)
    if directory is None:
        if not download:
            raise DataNotFoundError(source, name, split, report)
        directory = _download(source, name, split, progress, mirrors)
    images, labels, image_file = _read_split(directory, split)
    return images, labels, directory, image_file


def load_mnist(
    name: str = "mnist",
    split: str = "train",
    root: str | os.PathLike[str] | None = None,
    download: bool = False,
    progress: bool = True,
    mirrors: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST or Fashion-MNIST from its IDX files.

    The files are searched for as the module docstring lists; only with ``download=True`` are
    missing files fetched (into the per-user cache, MD5-checked, with a progress bar).

    Args:
        name: ``"mnist"`` or ``"fashion-mnist"``.
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        root: a directory holding the four (or the split's two) files, or its parent holding
            ``<name>/``.
        download: allow downloading missing files from the mirrors.
        progress: show a download progress bar.
        mirrors: base URLs to download from instead of those in :data:`SOURCES`.

    Returns:
        ``images`` of shape (N, 28, 28), uint8 (pixel intensities 0-255), and ``labels`` of
        shape (N,), int64 (class indices 0-9; names in ``SOURCES[name].classes``).

    Raises:
        ValueError: unknown ``name`` or ``split``.
        FileNotFoundError: an explicit ``root`` does not exist; or (as
            :class:`DataNotFoundError`) the files are nowhere and ``download`` is False, the
            message listing every place searched and how to fix it.
        IDXError: (a ``ValueError``) a file is not a well-formed IDX file, holds images of the
            wrong shape or type, no images at all, or labels outside 0-9 (the first one
            named), or images and labels of different counts (file names given).
        DownloadError: ``download=True`` and no mirror served a file with the right MD5.
    """
    images, labels, _, _ = _load(name, split, root, download, progress, mirrors)
    return images, labels


class MNIST:
    """One split of MNIST as arrays: ``images`` (N, 28, 28) uint8 and ``labels`` (N,) int64.

    ``len(ds)`` is N, ``ds[i]`` is ``(image, label)`` (also for slices and index arrays),
    ``ds.classes`` names the labels, ``ds.root`` is the directory the files came from and
    ``ds.images_file`` the images file. Arguments and errors as :func:`load_mnist` (a split
    holds at least one image).
    """

    name = "mnist"
    classes: tuple[str, ...] = SOURCES["mnist"].classes

    def __init__(
        self,
        split: str = "train",
        root: str | os.PathLike[str] | None = None,
        download: bool = False,
        progress: bool = True,
        mirrors: Sequence[str] | None = None,
    ) -> None:
        self.split = split
        self.images, self.labels, self.root, self.images_file = _load(
            self.name, split, root, download, progress, mirrors
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int | slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.images[index], self.labels[index]

    def train_test_split(
        self, train_fraction: float = 0.8, seed: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Split this split's images at random into a training and a test part.

        For a data set whose training split is missing (the shared MNIST holds only its
        10,000-image test split: ``train_fraction=0.8`` gives 8,000 to train on and 2,000 to
        test on). The training part gets ``round(train_fraction * N)`` images, kept between 1
        and N - 1 so that neither part is empty; samples keep their order within each part.

        Args:
            train_fraction: the share of the images that train, in (0, 1).
            seed: int, ``numpy.random.Generator`` or None (see
                :func:`~micrograd_mlp.data.train_test_split`).

        Returns:
            ``X_train, X_test, y_train, y_test``, as :func:`~micrograd_mlp.data.train_test_split`.

        Raises:
            IDXError: (a ``ValueError``) the split holds fewer than 2 images, which cannot make
                a training and a test part (the images file is named).
            ValueError: ``train_fraction`` is not a number in (0, 1).
        """
        if (
            isinstance(train_fraction, bool)
            or not isinstance(train_fraction, Real)
            or not 0.0 < train_fraction < 1.0
        ):
            raise ValueError(f"train_fraction must be a number in (0, 1), got {train_fraction!r}")
        n = len(self)
        if n < 2:
            raise IDXError("errors.mnist.too_few", path=self.images_file, n=n, s="s" * (n != 1))
        n_train = min(max(round(train_fraction * n), 1), n - 1)
        return train_test_split(self.images, self.labels, n_train, seed=seed)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(split={self.split!r}, n={len(self)}, root='{self.root}')"


class FashionMNIST(MNIST):
    """One split of Fashion-MNIST (Xiao, Rasul, Vollgraf 2017); the same interface as MNIST."""

    name = "fashion-mnist"
    classes = SOURCES["fashion-mnist"].classes
