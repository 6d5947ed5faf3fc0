"""Reference solution of exercise 10."""


def linear_forward(X, W, b):
    return X @ W.T + b


def linear_backward(X, W, dY):
    return dY @ W, dY.T @ X, dY.sum(axis=0)
