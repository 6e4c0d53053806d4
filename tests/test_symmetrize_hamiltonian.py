"""Projection of a Hamiltonian onto its space group + time reversal."""
import dataclasses

import numpy as np
import pytest

from w90resp.models.decorated_square import decorated_square
from w90resp.models.mos2 import mos2
from w90resp.symmetry import symmetrize_hamiltonian, check_tensor, point_group_from_symbol
from w90resp.responses.fcim import fcim_response
from tests.symmetry_ops import check_symmetry, check_time_reversal, rotation_z, mirror

K = np.random.default_rng(3).uniform(-1, 1, size=(6, 3)) * [1, 1, 0]


def perturbed(m, size=0.02, seed=0):
    """Random Hermitian noise on every H(R): breaks all symmetries."""
    rng = np.random.default_rng(seed)
    noise = {R: size * (rng.normal(size=h.shape) + 1j * rng.normal(size=h.shape)) for R, h in m.hoppings.items()}
    hop = {}
    for R, h in m.hoppings.items():
        mR = tuple(-x for x in R)
        hop[R] = h + 0.5 * (noise[R] + noise[mR].conj().T)
    return dataclasses.replace(m, hoppings=hop)


CASES = {
    "decorated-square": (decorated_square, [rotation_z(4), mirror([1, 0, 0]), mirror([1, 1, 0])], "C4v"),
    "mos2": (mos2, [rotation_z(3), mirror([1, 0, 0]), mirror([0, 0, 1])], "D3h"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_projection_restores_symmetry(name):
    make, ops, _ = CASES[name]
    m = make()
    same, rep0 = symmetrize_hamiltonian(m)
    assert rep0["removed_max"] < 1e-12                   # symmetric input is unchanged
    noisy = perturbed(m)
    assert max(check_symmetry(noisy, g, K) for g in ops) > 1e-3
    sym, rep = symmetrize_hamiltonian(noisy)
    assert 1e-3 < rep["removed_max"] < 0.1
    for g in ops:
        assert check_symmetry(sym, g, K) < 1e-12
    assert check_time_reversal(sym, K) < 1e-12
    again, rep2 = symmetrize_hamiltonian(sym)            # a projection: idempotent
    assert rep2["removed_max"] < 1e-12


def test_fcim_of_symmetrized_noisy_model_obeys_selection_rules():
    make, _, group = CASES["decorated-square"]
    sym, _ = symmetrize_hamiltonian(perturbed(make(), size=0.05, seed=1))
    res = fcim_response(sym, np.linspace(-2, 1, 7), 0.05, 0.05, 16, symmetry=False)
    for M in ("L", "S"):
        check_tensor("fcim", res[M], point_group_from_symbol(group))
