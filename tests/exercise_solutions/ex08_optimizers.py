"""Reference solution of exercise 8."""

import math


def sgd_momentum_step(params, grads, velocity, lr, momentum):
    velocity = [momentum * v + g for v, g in zip(velocity, grads)]
    return [p - lr * v for p, v in zip(params, velocity)], velocity


def adam_step(params, grads, m, v, t, lr, beta1, beta2, eps):
    m = [beta1 * mi + (1 - beta1) * g for mi, g in zip(m, grads)]
    v = [beta2 * vi + (1 - beta2) * g * g for vi, g in zip(v, grads)]
    new = []
    for p, mi, vi in zip(params, m, v):
        m_hat, v_hat = mi / (1 - beta1**t), vi / (1 - beta2**t)
        new.append(p - lr * m_hat / (math.sqrt(v_hat) + eps))
    return new, m, v
