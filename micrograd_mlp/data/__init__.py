"""Data for micrograd-mlp: toy sets, the IDX format, MNIST / Fashion-MNIST and mini-batches."""

from micrograd_mlp.data.download import DownloadError
from micrograd_mlp.data.idx import IDXError, read_idx, write_idx
from micrograd_mlp.data.loader import DataLoader, train_test_split
from micrograd_mlp.data.mnist import (
    MNIST,
    DataNotFoundError,
    FashionMNIST,
    cache_dir,
    find_mnist,
    load_mnist,
)
from micrograd_mlp.data.toy import (
    linear_regression_data,
    logic_gate,
    make_moons,
    sine_regression_data,
    xor,
)

__all__ = [
    "MNIST",
    "DataLoader",
    "DataNotFoundError",
    "DownloadError",
    "FashionMNIST",
    "IDXError",
    "cache_dir",
    "find_mnist",
    "linear_regression_data",
    "load_mnist",
    "logic_gate",
    "make_moons",
    "read_idx",
    "sine_regression_data",
    "train_test_split",
    "write_idx",
    "xor",
]
