"""Small helpers to assemble H(R) of built-in models from hopping terms."""
from collections import defaultdict

import numpy as np


class Hoppings:
    """Accumulates H_mn(R) = <m,0|H|n,R>; :meth:`hop` adds a term and its conjugate."""

    def __init__(self, num_wann):
        self.nw = num_wann
        self.blocks = defaultdict(lambda: np.zeros((num_wann, num_wann), dtype=complex))
        self.blocks[(0, 0, 0)]

    def onsite(self, m, n, value):
        """Adds value to H_mn(0) (call once per unordered pair; Hermitian partner added)."""
        self.blocks[(0, 0, 0)][m, n] += value
        if m != n:
            self.blocks[(0, 0, 0)][n, m] += np.conj(value)
        elif abs(np.imag(value)) > 0:
            raise ValueError("diagonal on-site energy must be real")

    def onsite_matrix(self, indices, matrix):
        """Adds a Hermitian matrix on the sub-block ``indices`` of H(0)."""
        idx = np.asarray(indices)
        matrix = np.asarray(matrix)
        if not np.allclose(matrix, matrix.conj().T):
            raise ValueError("on-site block must be Hermitian")
        self.blocks[(0, 0, 0)][np.ix_(idx, idx)] += matrix

    def hop(self, m, n, R, value):
        """Adds <m,0|H|n,R> = value and <n,0|H|m,-R> = conj(value)."""
        R = tuple(int(x) for x in R) + (0,) * (3 - len(R))
        mR = tuple(-x for x in R)
        self.blocks[R][m, n] += value
        self.blocks[mR][n, m] += np.conj(value)

    def as_dict(self):
        return {R: h.copy() for R, h in self.blocks.items()}
