"""DataLoader batching, shuffling and normalisation; train_test_split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_mlp.data import DataLoader, load_mnist, train_test_split


def dataset(n: int, shape=(4, 5)):
    """Images whose pixels all equal the sample's index (mod 256), labels = index."""
    images = np.broadcast_to((np.arange(n) % 256).astype(np.uint8)[:, None, None], (n, *shape))
    return np.ascontiguousarray(images), np.arange(n)


def epoch_labels(loader) -> list[np.ndarray]:
    return [y for _, y in loader]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (12, 4), (5, 8), (1, 1), (130, 128)])
def test_batch_sizes_and_len(n, batch_size, drop_last):
    if drop_last and n < batch_size:  # no batch at all: refused, not an epoch of nothing
        with pytest.raises(ValueError, match=f"drop_last=True with batch_size={batch_size}"):
            DataLoader(*dataset(n), batch_size=batch_size, drop_last=drop_last)
        return
    loader = DataLoader(*dataset(n), batch_size=batch_size, drop_last=drop_last)
    sizes = [len(y) for y in epoch_labels(loader)]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(loader) == len(sizes)
    assert len(loader) == (n // batch_size if drop_last else math.ceil(n / batch_size))


def test_shapes_dtypes_and_data_order_without_shuffle():
    images, labels = dataset(10)
    batches = list(DataLoader(images, labels, batch_size=4))
    for x, y in batches:
        assert x.dtype == np.float32 and x.shape == (len(y), 20)
        assert y.dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), labels)


def test_every_index_once_per_epoch_with_matching_images():
    images, labels = dataset(300)
    loader = DataLoader(images, labels, batch_size=32, shuffle=True, seed=1)
    orders = []
    for _ in range(3):
        xs, ys = zip(*loader)
        order = np.concatenate(ys)
        np.testing.assert_array_equal(np.sort(order), labels)
        x = np.concatenate(xs)
        np.testing.assert_allclose(x * 255, images.reshape(300, -1)[order], atol=1e-4)
        orders.append(order)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], labels)


def test_drop_last_with_shuffle_drops_a_different_remainder_each_epoch():
    loader = DataLoader(*dataset(10), batch_size=4, shuffle=True, seed=0, drop_last=True)
    seen = [np.concatenate(epoch_labels(loader)) for _ in range(5)]
    assert all(len(s) == 8 and len(set(s)) == 8 for s in seen)
    assert len({tuple(sorted(s)) for s in seen}) > 1


def test_seed_reproduces_every_epoch_and_set_epoch_resumes():
    data = dataset(50)

    def orders(loader, epochs=3):
        return [np.concatenate(epoch_labels(loader)) for _ in range(epochs)]

    a = orders(DataLoader(*data, batch_size=8, shuffle=True, seed=7))
    b = orders(DataLoader(*data, batch_size=8, shuffle=True, seed=7))
    c = orders(DataLoader(*data, batch_size=8, shuffle=True, seed=8))
    for ea, eb, ec in zip(a, b, c):
        np.testing.assert_array_equal(ea, eb)
        assert not np.array_equal(ea, ec)
    resumed = DataLoader(*data, batch_size=8, shuffle=True, seed=7)
    resumed.set_epoch(2)
    np.testing.assert_array_equal(orders(resumed, 1)[0], a[2])
    # The order depends on (seed, epoch), not on the batch size.
    other = DataLoader(*data, batch_size=5, shuffle=True, seed=7)
    np.testing.assert_array_equal(orders(other, 1)[0], a[0])


def test_each_iter_call_is_one_epoch():
    loader = DataLoader(*dataset(30), batch_size=30, shuffle=True, seed=4)
    first, second = iter(loader), iter(loader)  # orders fixed now, consumed later
    assert loader.epoch == 2
    a, b = next(second)[1], next(first)[1]
    loader.set_epoch(1)
    np.testing.assert_array_equal(epoch_labels(loader)[0], a)
    assert not np.array_equal(a, b)


def test_generator_seed_and_unseeded_loaders():
    data = dataset(40)
    first = [epoch_labels(DataLoader(*data, shuffle=True, seed=np.random.default_rng(3)))]
    again = [epoch_labels(DataLoader(*data, shuffle=True, seed=np.random.default_rng(3)))]
    np.testing.assert_array_equal(np.concatenate(first[0]), np.concatenate(again[0]))
    unseeded = DataLoader(*data, batch_size=40, shuffle=True)
    replay = DataLoader(*data, batch_size=40, shuffle=True, seed=unseeded.seed)
    np.testing.assert_array_equal(epoch_labels(unseeded)[0], epoch_labels(replay)[0])


def test_normalisation_range_and_values():
    images = np.arange(256, dtype=np.uint8).reshape(16, 4, 4)
    (x, _), *_ = DataLoader(images, np.zeros(16, dtype=np.int64), batch_size=16)
    assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_allclose(x, images.reshape(16, -1) / 255.0, rtol=1e-7)
    (x64, _), *_ = DataLoader(images, np.zeros(16, int), batch_size=16, dtype=np.float64)
    assert x64.dtype == np.float64
    np.testing.assert_array_equal(x64, images.reshape(16, -1) / 255.0)


def test_without_normalize_values_are_unchanged():
    images = np.linspace(-3, 3, 24).reshape(6, 2, 2)
    xs = [x for x, _ in DataLoader(images, np.arange(6), batch_size=4, normalize=False)]
    np.testing.assert_array_equal(np.concatenate(xs), images.reshape(6, 4).astype(np.float32))


def test_kept_batches_are_independent():
    images, labels = dataset(20)
    loader = DataLoader(images, labels, batch_size=5)
    batches = list(loader)
    batches[0][0][...] = -1.0
    batches[0][1][...] = -1
    for (x, y), start in zip(batches[1:], range(5, 20, 5)):
        np.testing.assert_allclose(x * 255, images.reshape(20, -1)[start : start + 5], atol=1e-4)
        np.testing.assert_array_equal(y, labels[start : start + 5])
    assert images.min() >= 0 and labels.min() == 0  # the data set itself is untouched
    np.testing.assert_array_equal(next(iter(loader))[1], labels[:5])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((np.zeros((5, 2), np.uint8), np.zeros(4, int)), {}, r"\(5, 2\).*\(4,\)"),
        ((np.zeros((5, 2), np.uint8), np.zeros((5, 1), int)), {}, r"\(5, 1\)"),
        ((np.zeros((5, 2), np.uint8), np.zeros(5)), {}, "integer class indices"),
        ((np.zeros((5, 2)), np.zeros(5, int)), {}, "normalize=False"),
        ((np.zeros((5, 2), np.uint8), np.zeros(5, int)), {"batch_size": 0}, "batch_size"),
        ((np.zeros((5, 2), np.uint8), np.zeros(5, int)), {"dtype": np.int32}, "floating"),
    ],
)
def test_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(*args, **kwargs)


def test_train_test_split_partitions_reproducibly():
    X, y = dataset(1000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, n_train=800, seed=0)
    assert X_train.shape == (800, 4, 5) and X_test.shape == (200, 4, 5)
    assert y_train.shape == (800,) and y_test.shape == (200,)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_train, X[y_train])
    np.testing.assert_array_equal(X_test, X[y_test])
    assert not np.array_equal(y_train, np.arange(800))  # a random subset, not the first 800
    again = train_test_split(X, y, n_train=800, seed=0)
    other = train_test_split(X, y, n_train=800, seed=1)
    np.testing.assert_array_equal(again[2], y_train)
    assert not np.array_equal(other[2], y_train)


@pytest.mark.parametrize("n_train", [0, 10, -1, 2.5])
def test_train_test_split_bad_n_train(n_train):
    with pytest.raises(ValueError, match="n_train"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), n_train=n_train)


def test_train_test_split_length_mismatch():
    with pytest.raises(ValueError, match=r"\(10, 2\).*\(9,\)"):
        train_test_split(np.zeros((10, 2)), np.zeros(9), n_train=5)


def test_mnist_8000_2000_split_and_batches(data_dir):
    images, labels = load_mnist("mnist", "test", root=data_dir)
    X_train, X_test, y_train, y_test = train_test_split(images, labels, n_train=8000, seed=0)
    assert len(X_train) == len(y_train) == 8000 and len(X_test) == len(y_test) == 2000
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    loader = DataLoader(X_train, y_train, batch_size=128, shuffle=True, seed=0)
    assert len(loader) == math.ceil(8000 / 128)
    x, y = next(iter(loader))
    assert x.shape == (128, 784) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1


def test_an_empty_data_set_is_refused_clearly():
    # Issue 9: an empty DataLoader used to fail with NumPy's "cannot reshape array of size 0".
    with pytest.raises(
        ValueError, match=r"DataLoader: the data set is empty \(images \(0, 28, 28\)"
    ):
        DataLoader(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))


def test_a_loader_without_any_batch_and_bad_flags_are_refused():
    images, labels = dataset(5)
    with pytest.raises(ValueError, match="leaves no batch of the 5 samples"):
        DataLoader(images, labels, batch_size=8, drop_last=True)
    for name in ("shuffle", "drop_last", "normalize"):  # "no" used to mean True
        with pytest.raises(TypeError, match=f"DataLoader: {name} must be True or False, got 'no'"):
            DataLoader(images, labels, **{name: "no"})
    with pytest.raises(ValueError, match="dtype must be a floating type, got 'xyz'"):
        DataLoader(images, labels, dtype="xyz")
    assert DataLoader(images, labels, shuffle=np.bool_(True), seed=0).shuffle is True


# ---------------------------------------------------------------- per-epoch seeds, resuming
def every_batch(loader, epochs):
    """The batches of ``epochs`` epochs, each started with ``set_epoch`` as ``fit`` does."""
    out = []
    for epoch in epochs:
        loader.set_epoch(epoch)
        out.append([(x.copy(), y.copy()) for x, y in loader])
    return out


def assert_same_batches(a, b):
    assert len(a) == len(b)
    for epoch_a, epoch_b in zip(a, b):
        assert len(epoch_a) == len(epoch_b)
        for (xa, ya), (xb, yb) in zip(epoch_a, epoch_b):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)


def test_epoch_order_is_the_documented_child_of_the_seed_sequence():
    # Pinned: checkpoints written by earlier versions resume onto the same batches only while
    # epoch k's order is the k-th child of SeedSequence(seed), as the docstring says.
    images, labels = dataset(97)
    loader = DataLoader(images, labels, batch_size=97, shuffle=True, seed=1234)
    for k in range(4):
        child = np.random.SeedSequence(1234).spawn(k + 1)[k]
        expected = np.random.default_rng(child).permutation(97)
        np.testing.assert_array_equal(next(iter(loader))[1], expected)


def test_same_seed_and_epoch_same_batches_different_ones_differ():
    data = dataset(64)
    a = every_batch(DataLoader(*data, batch_size=10, shuffle=True, seed=5), range(6))
    b = every_batch(DataLoader(*data, batch_size=10, shuffle=True, seed=5), range(6))
    assert_same_batches(a, b)
    orders = {}
    for seed in (5, 6, 7):
        loader = DataLoader(*data, batch_size=64, shuffle=True, seed=seed)
        for epoch in range(6):
            loader.set_epoch(epoch)
            orders[seed, epoch] = tuple(next(iter(loader))[1])
    # All 18 (seed, epoch) orders differ: not seed + epoch (seed 5's epoch 1 is not seed 6's
    # epoch 0), not one order for every epoch.
    assert len(set(orders.values())) == len(orders)


def test_set_epoch_makes_a_resumed_run_see_the_uninterrupted_batches():
    data = dataset(50)
    plain = DataLoader(*data, batch_size=8, shuffle=True, seed=3, drop_last=True)
    uninterrupted = [[(x, y) for x, y in plain] for _ in range(6)]  # iter() alone advances it
    assert_same_batches(
        uninterrupted, every_batch(DataLoader(*data, batch_size=8, shuffle=True, seed=3,
                                              drop_last=True), range(6))
    )
    # Stopped after epoch 3: a new loader (a new process) resumes at epoch 3.
    resumed = DataLoader(*data, batch_size=8, shuffle=True, seed=3, drop_last=True)
    resumed.set_epoch(3)
    assert_same_batches(uninterrupted[3:], [[(x, y) for x, y in resumed] for _ in range(3)])
    # An unseeded loader draws its seed once; that seed replays it.
    unseeded = DataLoader(*data, batch_size=8, shuffle=True)
    again = DataLoader(*data, batch_size=8, shuffle=True, seed=unseeded.seed)
    assert_same_batches(every_batch(unseeded, [4]), every_batch(again, [4]))


BASE = {"batch_size": 8, "shuffle": True, "seed": 3, "drop_last": False, "normalize": True,
        "dtype": np.float32}


@pytest.mark.parametrize(
    "change",
    [
        {"batch_size": 7},
        {"shuffle": False},
        {"seed": 4},
        {"drop_last": True},
        {"normalize": False},
        {"dtype": np.float64},
        {"samples": 49},
    ],
    ids=lambda c: next(iter(c)),
)
def test_batch_options_name_everything_a_resume_must_find_equal(change):
    images, labels = dataset(50)
    loader = DataLoader(images, labels, **BASE)
    options = loader.batch_options()
    assert options == {"samples": 50, "batch_size": 8, "shuffle": True, "drop_last": False,
                       "seed": 3, "normalize": True, "dtype": "float32"}
    twin = DataLoader(images.copy(), labels.copy(), **BASE)  # equal options: equal batches
    assert twin.batch_options() == options
    assert_same_batches(every_batch(loader, range(3)), every_batch(twin, range(3)))
    # Each option changes the batches of some epoch, and the options show the change.
    n = change.pop("samples", 50)
    other = DataLoader(images[:n], labels[:n], **{**BASE, **change})
    assert other.batch_options() != options
    with pytest.raises(AssertionError):
        assert_same_batches(every_batch(loader, range(3)), every_batch(other, range(3)))


def test_batch_options_seed_is_none_when_it_changes_nothing_or_cannot_be_replayed():
    data = dataset(20)
    assert DataLoader(*data, shuffle=False, seed=3).batch_options()["seed"] is None
    generator = DataLoader(*data, shuffle=True, seed=np.random.default_rng(0))
    assert generator.batch_options()["seed"] is None
    unseeded = DataLoader(*data, shuffle=True)
    assert unseeded.batch_options()["seed"] == unseeded.seed
    assert isinstance(unseeded.seed, int)


def test_unseeded_loaders_draw_their_own_base_seeds():
    # seed=None draws a fresh base seed per loader (recorded in .seed, so a run can be
    # replayed): two unseeded loaders shuffle differently, not all alike from a fixed seed.
    data = dataset(60)
    a = DataLoader(*data, batch_size=60, shuffle=True)
    b = DataLoader(*data, batch_size=60, shuffle=True)
    assert isinstance(a.seed, int) and a.seed != b.seed
    assert not np.array_equal(epoch_labels(a)[0], epoch_labels(b)[0])
