"""Reference solution of exercise 9, on the library's Value."""

import random

from micrograd_mlp import Value


def _train(X, y, seed, hidden):
    rng = random.Random(seed)
    if hidden:
        w1 = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(hidden)]
        b1 = [Value(0.0) for _ in range(hidden)]
        w2 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    else:
        w1, b1, w2 = [], [], [Value(rng.uniform(-1, 1)) for _ in range(2)]
    b2 = Value(0.0)
    params = [p for row in w1 for p in row] + b1 + w2 + [b2]

    def forward(x):
        h = [sum((wi * xi for wi, xi in zip(row, x)), b).tanh() for row, b in zip(w1, b1)]
        features = h if hidden else [Value(xi) for xi in x]
        return sum((wi * hi for wi, hi in zip(w2, features)), b2).sigmoid()

    for _ in range(400):
        loss = sum(((forward(x) - t) ** 2 for x, t in zip(X, y)), Value(0.0)) * (1 / len(X))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 2.0 * p.grad
    return lambda x: forward(x).data


def train_perceptron(X, y, seed):
    return _train(X, y, seed, 0)


def train_mlp(X, y, seed):
    return _train(X, y, seed, 4)
