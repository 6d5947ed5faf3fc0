"""Reference solution of exercise 2: a Value whose ops store their local derivatives as numbers
(``_local_grads``, next to the operands in ``_children``) and one ``_backward`` method that
applies them, as micrograd_mlp/engine.py does."""

import math


class Value:
    def __init__(self, data, _children=(), _op="", label="", _local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self._children = tuple(_children)
        self._local_grads = tuple(_local_grads)
        self._op = _op
        self.label = label

    @property
    def _prev(self):
        return self._children

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def _backward(self):
        for child, local in zip(self._children, self._local_grads):
            child.grad += local * self.grad

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", _local_grads=(1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(
            self.data * other.data, (self, other), "*", _local_grads=(other.data, self.data)
        )

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        return Value(a / b, (self, other), "/", _local_grads=(1.0 / b, -a / (b * b)))

    def __pow__(self, p):
        a = self.data
        return Value(a**p, (self,), f"**{p}", _local_grads=(p * a ** (p - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", _local_grads=(e,))

    def log(self):
        return Value(math.log(self.data), (self,), "log", _local_grads=(1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", _local_grads=(1.0 - t * t,))

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), "sigmoid", _local_grads=(s * (1.0 - s),))

    def relu(self):
        local = 1.0 if self.data > 0 else 0.0
        return Value(self.data * local, (self,), "relu", _local_grads=(local,))

    def __neg__(self):
        return Value(-self.data, (self,), "neg", _local_grads=(-1.0,))

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "-", _local_grads=(1.0, -1.0))

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other
