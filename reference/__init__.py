"""The reference solution: what every exercise in CONTRACT.md must compute.

The NumPy modules are the grader's oracle; `torch_net` is the same network in
PyTorch, and `torch_oracle` recomputes the maths with autograd so the NumPy
reference can be checked against an independent implementation.
"""
