"""The parameter updated in place (and returned)."""


def sgd_update(param, grad, lr):
    param -= lr * grad
    return param
