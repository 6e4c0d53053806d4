"""The Hamiltonian symmetrizer of a magnet uses its magnetic space group (unitary
operations that keep the moments, antiunitary ones g x T that reverse them): the exchange
splitting survives; time reversal is refused."""
import numpy as np
import pytest

from w90resp.models import get_model
from w90resp.operators import PAULI
from w90resp.symmetry.hamiltonian import (exchange_splitting, magnetic_operations,
                                          symmetrize_hamiltonian)
from w90resp.tb import TightBinding


def _zeeman_mos2(b=0.2):
    """The MoS2 model with an exchange field b sigma_z on Mo d (moment along z on Mo)."""
    tb = get_model("mos2")
    hop = {R: h.copy() for R, h in tb.hoppings.items()}
    for i, o in enumerate(tb.orbitals):
        if o.species == "Mo":
            hop[(0, 0, 0)][i, i] += b * (1 if o.spin == "up" else -1)
    moments = [[0, 0, 1.0] if lab == "Mo" else [0, 0, 0] for lab, _ in tb.atoms]
    return TightBinding(name="mos2-zeeman", real_lattice=tb.real_lattice, orbitals=tb.orbitals,
                        hoppings=hop, periodic=tb.periodic, energy_unit=tb.energy_unit,
                        length_unit=tb.length_unit, atoms=tb.atoms, magnetic_moments=moments)


def test_exchange_splitting_measures_the_time_odd_part():
    tb = _zeeman_mos2(0.2)
    ex = exchange_splitting(tb)
    assert ex[0] == pytest.approx(0.2, abs=1e-12)          # Mo: b
    assert max(ex[1], ex[2]) < 1e-12                       # S: none
    assert max(exchange_splitting(get_model("mos2")).values()) < 1e-12


@pytest.mark.parametrize("make", [_zeeman_mos2, lambda: get_model("pt-afm")])
def test_magnetic_group_keeps_an_exactly_symmetric_magnet(make):
    tb = make()
    ops = magnetic_operations(tb)
    assert any(tr for *_, tr in ops) or len(ops) > 1
    sym, rep = symmetrize_hamiltonian(tb)
    assert rep["magnetic_group"] and not rep["time_reversal"]
    assert rep["removed_max"] < 1e-12
    ex0, ex1 = exchange_splitting(tb), exchange_splitting(sym)
    assert max(ex0.values()) > 0.05
    assert max(abs(ex0[s] - ex1[s]) for s in ex0) < 1e-12


def test_time_reversal_would_erase_the_exchange_splitting():
    tb = _zeeman_mos2(0.2)
    nonmag = TightBinding(name="x", real_lattice=tb.real_lattice, orbitals=tb.orbitals,
                          hoppings=tb.hoppings, periodic=tb.periodic, atoms=tb.atoms)
    sym, rep = symmetrize_hamiltonian(nonmag)              # grey group: T included
    assert max(exchange_splitting(sym).values()) < 1e-12
    assert rep["removed_max"] == pytest.approx(0.2, rel=1e-9)
    with pytest.raises(ValueError, match="time reversal"):
        symmetrize_hamiltonian(tb, time_reversal=True)


def test_magnetic_group_order_of_the_zeeman_model():
    """MoS2 (D3h, 12 operations) with moments along z on Mo: the magnetic point group
    -6m'2' has 6 unitary operations (E, C3, C3^2, sigma_h, S3, S3^5) and 6 antiunitary
    ones (C2' x T, sigma_v x T), Litvin's tables."""
    ops = magnetic_operations(_zeeman_mos2())
    assert len(ops) == 12
    assert sum(tr for *_, tr in ops) == 6
    for g, t, tr in ops:
        # a unitary operation keeps m_z (axial: det(g) g_zz = +1), an antiunitary one flips it
        mz = np.linalg.det(g) * g[2, 2]
        assert mz == pytest.approx(-1.0 if tr else 1.0)
