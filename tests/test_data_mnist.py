"""MNIST / Fashion-MNIST: the search order, file checks, the shared real data, and downloading.

Downloads are tested against a local HTTP server on 127.0.0.1; every test here runs with a
guard that fails on any other host, a temporary HOME and no data-related environment variables.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import threading
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from micrograd_mlp import progress
from micrograd_mlp.cli import main
from micrograd_mlp.data import (
    MNIST,
    DataNotFoundError,
    DownloadError,
    FashionMNIST,
    IDXError,
    load_mnist,
    train_test_split,
    write_idx,
)
from micrograd_mlp.data import mnist as mnist_module
from micrograd_mlp.data.download import md5sum
from micrograd_mlp.data.mnist import SOURCES, find_mnist

TEST_FILES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
TRAIN_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh HOME, no XDG_CACHE_HOME / MICROGRAD_MLP_DATA, an empty system dir, loopback only."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("MICROGRAD_MLP_DATA", raising=False)
    monkeypatch.setattr(mnist_module, "SYSTEM_DATA_DIR", tmp_path / "system")
    real_urlopen = urllib.request.urlopen

    def loopback_only(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"test tried to contact {url}"
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", loopback_only)


def fake_split(directory: Path, n: int, split: str = "train", gz: bool = True) -> None:
    """Write a tiny valid split of ``n`` images, every pixel ``n`` (to tell copies apart)."""
    directory.mkdir(parents=True, exist_ok=True)
    images, labels = mnist_module.SPLITS[split]
    suffix = ".gz" if gz else ""
    write_idx(directory / f"{images}{suffix}", np.full((n, 28, 28), n, dtype=np.uint8))
    write_idx(directory / f"{labels}{suffix}", np.arange(n, dtype=np.uint8) % 10)


def loaded_from(**kwargs) -> int:
    """Which fake copy ``load_mnist`` picked: its image count."""
    images, labels = load_mnist("mnist", "train", **kwargs)
    assert images.shape == (len(labels), 28, 28) and np.all(images == len(labels))
    return len(labels)


# --- search order ---------------------------------------------------------------------------


def test_search_order_root_env_cache_system(tmp_path, monkeypatch):
    fake_split(tmp_path / "root" / "mnist", 3)
    fake_split(tmp_path / "env" / "mnist", 4)
    fake_split(tmp_path / "home" / ".cache" / "micrograd-mlp" / "mnist", 5)
    fake_split(tmp_path / "system" / "mnist", 6)
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "env"))
    assert loaded_from(root=tmp_path / "root") == 3
    assert loaded_from() == 4
    monkeypatch.delenv("MICROGRAD_MLP_DATA")
    assert loaded_from() == 5
    shutil.rmtree(tmp_path / "home")
    assert loaded_from() == 6
    assert find_mnist("mnist", "train") == tmp_path / "system" / "mnist"


def test_root_and_env_accept_the_directory_itself_or_its_parent(tmp_path, monkeypatch):
    fake_split(tmp_path / "parent" / "mnist", 3)
    fake_split(tmp_path / "files", 4)
    assert loaded_from(root=tmp_path / "parent") == 3
    assert loaded_from(root=str(tmp_path / "files")) == 4
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "parent"))
    assert loaded_from() == 3
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "files"))
    assert loaded_from() == 4


def test_xdg_cache_home_when_absolute(tmp_path, monkeypatch):
    fake_split(tmp_path / "xdg" / "micrograd-mlp" / "mnist", 7)
    fake_split(tmp_path / "home" / ".cache" / "micrograd-mlp" / "mnist", 5)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert loaded_from() == 7
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the XDG spec: ignored
    assert loaded_from() == 5


def test_a_directory_with_only_some_files_is_passed_over(tmp_path, monkeypatch):
    fake_split(tmp_path / "root", 3, split="test")
    fake_split(tmp_path / "env", 4)
    (tmp_path / "env" / "train-labels-idx1-ubyte.gz").unlink()
    fake_split(tmp_path / "system" / "mnist", 6)
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "env"))
    assert loaded_from(root=tmp_path / "root") == 6
    assert len(load_mnist("mnist", "test", root=tmp_path / "root")[1]) == 3


def test_uncompressed_files_are_accepted(tmp_path):
    fake_split(tmp_path / "raw", 3, gz=False)
    assert loaded_from(root=tmp_path / "raw") == 3


def test_directory_named_after_the_other_data_set_is_skipped(tmp_path):
    fake_split(tmp_path / "fashion-mnist", 3)
    with pytest.raises(FileNotFoundError, match="named after data set 'fashion-mnist'"):
        load_mnist("mnist", "train", root=tmp_path / "fashion-mnist")
    assert len(load_mnist("fashion-mnist", "train", root=tmp_path / "fashion-mnist")[1]) == 3


def test_explicit_root_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    # Issue 9 item 6: with the data reachable through the environment variable, a typo in
    # root= used to be ignored silently.
    fake_split(tmp_path / "env", 3)
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "env"))
    assert len(load_mnist("mnist", "train")[1]) == 3
    with pytest.raises(FileNotFoundError, match="data directory .*typo.* does not exist"):
        load_mnist("mnist", "train", root=tmp_path / "typo")
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        find_mnist("mnist", "train", root=tmp_path / "env" / "train-labels-idx1-ubyte.gz")


def test_not_found_lists_every_place_and_the_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROGRAD_MLP_DATA", str(tmp_path / "env"))
    (tmp_path / "given").mkdir()
    with pytest.raises(DataNotFoundError) as info:
        load_mnist("fashion-mnist", "test", root=tmp_path / "given")
    message = str(info.value)
    for place in [
        tmp_path / "given",
        tmp_path / "given" / "fashion-mnist",
        tmp_path / "env",
        tmp_path / "home" / ".cache" / "micrograd-mlp" / "fashion-mnist",
        tmp_path / "system" / "fashion-mnist",
    ]:
        assert str(place) in message
    for fix in ["root=", "MICROGRAD_MLP_DATA", "download=True", "t10k-images-idx3-ubyte"]:
        assert fix in message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"name": "cifar10"}, "fashion-mnist"), ({"split": "val"}, "train, test")],
)
def test_unknown_name_or_split(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_mnist(**kwargs)


# --- checks of the loaded arrays -------------------------------------------------------------


def write_pair(directory: Path, images: np.ndarray, labels: np.ndarray) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / "train-images-idx3-ubyte.gz", images)
    write_idx(directory / "train-labels-idx1-ubyte.gz", labels)


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((5, 28, 28), np.uint8), np.zeros(4, np.uint8), "5 images.*4 labels"),
        (np.zeros((5, 27, 28), np.uint8), np.zeros(5, np.uint8), r"\(N, 28, 28\)"),
        (np.zeros((5, 28, 28), np.float32), np.zeros(5, np.uint8), "uint8 images"),
        (np.zeros((5, 28, 28), np.uint8), np.full(5, 10, np.uint8), "0-9, but label 0 is 10"),
        (np.zeros((5, 28, 28), np.uint8), np.array([1, 2, 200, 3, 4], np.uint8), "label 2 is 200"),
        (np.zeros((5, 28, 28), np.uint8), np.zeros((5, 1), np.uint8), "uint8 labels"),
    ],
)
def test_bad_contents_are_named(tmp_path, images, labels, message):
    write_pair(tmp_path / "d", images, labels)
    # IDXError: one of the data errors the CLI reports as one line (a label of 200 used to be
    # a bare ValueError, a traceback in `micrograd-mlp train`).
    with pytest.raises(IDXError, match=message) as info:
        load_mnist("mnist", "train", root=tmp_path / "d")
    assert "train-" in str(info.value) and str(tmp_path / "d") in str(info.value)


# --- small data: one-line errors naming the file -----------------------------------------------


@pytest.mark.parametrize(("name", "split"), [("mnist", "test"), ("fashion-mnist", "test"),
                                             ("fashion-mnist", "train")])
def test_a_split_without_images_is_refused_naming_the_file(tmp_path, name, split):
    # A well-formed 0-image file used to load, and `train` then failed deep in the DataLoader.
    fake_split(tmp_path / name, 0, split)
    images = f"{mnist_module.SPLITS[split][0]}.gz"
    with pytest.raises(IDXError, match=f"{images}: holds no images; the '{split}' split needs"):
        load_mnist(name, split, root=tmp_path)
    with pytest.raises(IDXError, match=str(tmp_path / name / images)):
        (FashionMNIST if name == "fashion-mnist" else MNIST)(split, root=tmp_path)


@pytest.mark.parametrize(("n", "n_train"), [(2, 1), (5, 4), (10, 8), (13, 10), (250, 200)])
def test_a_test_split_splits_into_training_and_test_images(tmp_path, n, n_train):
    fake_split(tmp_path / "mnist", n, "test")
    test = MNIST("test", root=tmp_path)
    assert test.images_file == tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    X_train, X_test, y_train, y_test = test.train_test_split(0.8, seed=0)
    assert (len(X_train), len(y_train), len(X_test), len(y_test)) == (n_train, n_train,
                                                                      n - n_train, n - n_train)
    # A partition of the images, each image with its own label (label = index % 10 here).
    assert sorted([*y_train, *y_test]) == sorted(test.labels.tolist())
    again = test.train_test_split(0.8, seed=0)
    np.testing.assert_array_equal(again[2], y_train)


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_images_to_split_are_refused_naming_the_file(tmp_path, n):
    fake_split(tmp_path / "mnist", max(n, 1), "test")
    test = MNIST("test", root=tmp_path)
    if n == 0:  # (a 0-image split does not load at all; the check holds for any data set)
        test.images, test.labels = test.images[:0], test.labels[:0]
    with pytest.raises(IDXError, match=re.escape(
        f"{tmp_path / 'mnist' / 't10k-images-idx3-ubyte.gz'}: holds {n} image{'s' * (n != 1)}; "
        "splitting it into training and test images needs at least 2"
    )):
        test.train_test_split(0.8, seed=0)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2, float("nan"), True, "0.8"])
def test_train_fraction_must_be_in_the_open_unit_interval(tmp_path, fraction):
    fake_split(tmp_path / "mnist", 10, "test")
    with pytest.raises(ValueError, match="train_fraction must be a number in \\(0, 1\\), got "):
        MNIST("test", root=tmp_path).train_test_split(fraction)


def test_train_on_an_empty_test_split_is_one_line_naming_the_file(tmp_path, capsys):
    # `micrograd-mlp train` used to end in a traceback from the DataLoader.
    fake_split(tmp_path / "fashion-mnist", 20, "train")
    fake_split(tmp_path / "fashion-mnist", 0, "test")
    argv = ["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "out"), "--epochs",
            "1", "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "t10k-images-idx3-ubyte.gz: holds no images" in err


# --- the shared real data --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "split", "n"),
    [
        ("mnist", "test", 10_000),
        ("fashion-mnist", "test", 10_000),
        ("fashion-mnist", "train", 60_000),
    ],
)
def test_real_data(data_dir, name, split, n):
    images, labels = load_mnist(name, split, root=data_dir)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 255
    counts = np.bincount(labels, minlength=10)
    assert len(counts) == 10 and counts.min() > 0
    if name == "fashion-mnist":  # balanced by construction (Xiao et al. 2017): n / 10 per class
        assert np.all(counts == n // 10)


def test_real_mnist_test_split_gives_the_8000_2000_split(data_dir):
    test = MNIST("test", root=data_dir)
    ours = test.train_test_split(0.8, seed=0)
    images, labels = load_mnist("mnist", "test", root=data_dir)
    theirs = train_test_split(images, labels, 8000, seed=0)
    assert [len(a) for a in ours] == [8000, 2000, 8000, 2000]
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_real_mnist_has_no_train_split(data_dir):
    with pytest.raises(FileNotFoundError, match="MNIST 'train' split not found") as info:
        load_mnist("mnist", "train", root=data_dir)
    assert str(data_dir / "mnist") in str(info.value)


def test_shared_files_match_readme_md5_and_the_download_table(data_dir):
    readme = (data_dir / "README.md").read_text()
    listed = re.findall(r"^([0-9a-f]{32})\s+(\S+)$", readme, flags=re.M)
    assert len(listed) == 6
    for md5, relative in listed:
        name, filename = relative.split("/")
        actual = md5sum(data_dir / relative)
        assert actual == md5, relative
        assert actual in SOURCES[name].md5[filename], relative


def test_dataset_classes(data_dir):
    ds = FashionMNIST("test", root=data_dir)
    assert len(ds) == 10_000 and ds.root == data_dir / "fashion-mnist"
    image, label = ds[0]
    assert image.shape == (28, 28) and ds.classes[label] in SOURCES["fashion-mnist"].classes
    assert ds.classes[0] == "T-shirt/top" and len(ds.classes) == 10
    images, labels = ds[:5]
    assert images.shape == (5, 28, 28) and labels.shape == (5,)
    digits = MNIST(split="test", root=data_dir)
    assert digits.classes[digits.labels[0]] == str(digits.labels[0])
    assert "n=10000" in repr(digits)


# --- downloading from a local server ---------------------------------------------------------


class Server:
    """An HTTP server on 127.0.0.1 (a free port) serving ``directory``, counting requests."""

    def __init__(self, directory: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest's output clean
                server.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def mirror(tmp_path, data_dir):
    """A local mirror holding copies of the shared test-split files, in mnist/ and fashion/."""
    served = tmp_path / "served"
    for name, sub in (("mnist", "mnist"), ("fashion-mnist", "fashion")):
        (served / sub).mkdir(parents=True)
        for filename in TEST_FILES:
            shutil.copy(data_dir / name / filename, served / sub / filename)
    server = Server(served)
    yield server, served
    server.close()


@pytest.mark.parametrize(("name", "sub"), [("mnist", "mnist"), ("fashion-mnist", "fashion")])
def test_download_lands_in_cache_verified(tmp_path, mirror, data_dir, name, sub):
    server, _ = mirror
    images, labels = load_mnist(
        name, "test", download=True, progress=False, mirrors=[server.url + sub + "/"]
    )
    expected_images, expected_labels = load_mnist(name, "test", root=data_dir)
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    cache = tmp_path / "home" / ".cache" / "micrograd-mlp" / name
    assert sorted(p.name for p in cache.iterdir()) == sorted(TEST_FILES)  # no temporary files
    for filename in TEST_FILES:
        assert md5sum(cache / filename) in SOURCES[name].md5[filename]
    assert len(server.requests) == 2
    # The second time the cache is found first: nothing is fetched again.
    load_mnist(name, "test", download=True, progress=False, mirrors=[server.url + sub + "/"])
    assert len(server.requests) == 2


def test_bad_checksum_is_refused_and_leaves_nothing(tmp_path, mirror):
    server, served = mirror
    bad = served / "mnist" / TEST_FILES[0]
    data = bytearray(bad.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(DownloadError) as info:
        load_mnist("mnist", "test", download=True, progress=False, mirrors=[server.url + "mnist"])
    message = str(info.value)
    assert TEST_FILES[0] in message
    assert SOURCES["mnist"].md5[TEST_FILES[0]][0] in message  # expected
    assert md5sum(bad) in message  # actual
    cache = tmp_path / "home" / ".cache" / "micrograd-mlp" / "mnist"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_no_download_without_download_true(mirror):
    server, _ = mirror
    with pytest.raises(FileNotFoundError, match="download=True"):
        load_mnist("mnist", "test", mirrors=[server.url + "mnist/"])
    assert server.requests == []


def test_next_mirror_is_tried_and_all_failures_are_listed(mirror):
    server, _ = mirror
    missing = server.url + "missing/"
    images, _ = load_mnist(
        "mnist", "test", download=True, progress=False, mirrors=[missing, server.url + "mnist/"]
    )
    assert images.shape == (10_000, 28, 28)
    with pytest.raises(DownloadError) as info:
        load_mnist(
            "fashion-mnist", "test", download=True, progress=False, mirrors=[missing, missing]
        )
    assert str(info.value).count("404") == 2 and missing + TEST_FILES[0] in str(info.value)


def test_download_shows_a_progress_bar_on_a_terminal_only(mirror, capsys, monkeypatch):
    server, _ = mirror
    load_mnist("mnist", "test", download=True, mirrors=server.url + "mnist")  # one string
    assert capsys.readouterr().err == ""  # stderr is not a terminal here: no bar in a log
    monkeypatch.setattr(progress, "bars_visible", lambda stream=None: True)
    load_mnist("fashion-mnist", "test", download=True, mirrors=server.url + "fashion")
    err = capsys.readouterr().err
    assert TEST_FILES[0] in err and TEST_FILES[1] in err and "100%" in err


def test_train_download_fetches_the_data_the_cli_names(tmp_path, mirror, monkeypatch, capsys):
    """`micrograd-mlp train` without data names its own options; --download then fetches."""
    server, served = mirror
    fake = served / "fake-fashion"
    fake.mkdir()
    shutil.copytree(served / "fashion", fake, dirs_exist_ok=True)
    rng = np.random.default_rng(0)
    write_idx(fake / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (64, 28, 28), np.uint8))
    write_idx(fake / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, 64).astype(np.uint8))
    source = SOURCES["fashion-mnist"]
    md5 = {**source.md5, **{f: (md5sum(fake / f),) for f in TRAIN_FILES}}
    replaced = dataclasses.replace(source, mirrors=(server.url + "fake-fashion/",), md5=md5)
    monkeypatch.setitem(SOURCES, "fashion-mnist", replaced)
    argv = ["train", "--out", str(tmp_path / "out"), "--epochs", "1", "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "--data-dir DIR" in err and "--download" in err
    assert "root=" not in err and "download=True" not in err  # not Python's words
    assert main([*argv, "--download"]) == 0
    out = capsys.readouterr().out
    assert "fashion-mnist: 64 training and 10,000 test images" in out
    assert "test accuracy after 1 epoch" in out
    cache = tmp_path / "home" / ".cache" / "micrograd-mlp" / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted([*TRAIN_FILES, *TEST_FILES])
