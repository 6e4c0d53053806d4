"""The decorated square lattice has every C4v operation and time reversal, and is periodic."""
import numpy as np
import pytest

from w90resp.models.decorated_square import decorated_square
from tests.symmetry_ops import check_symmetry, check_time_reversal, rotation_z, mirror

K = np.random.default_rng(1).uniform(-1, 1, size=(7, 3)) * [1, 1, 0]

C4V = {
    "C4z": rotation_z(4), "C2z": rotation_z(2), "C4z^3": rotation_z(4).T,
    "Mx": mirror([1, 0, 0]), "My": mirror([0, 1, 0]),
    "Md": mirror([1, -1, 0]), "Md'": mirror([1, 1, 0]),
}


@pytest.mark.parametrize("name", list(C4V))
def test_c4v_operations(name):
    assert check_symmetry(decorated_square(), C4V[name], K) < 1e-12


def test_time_reversal_and_periodicity():
    m = decorated_square()
    assert check_time_reversal(m, K) < 1e-12
    # H(k + G) = V H(k) V^dagger with V = diag(exp(-i G.tau)) (orbital positions in the phase)
    for G in ([1, 0, 0], [0, 1, 0], [1, -2, 0]):
        Gcart = np.array(G, float) @ m.recip_lattice
        V = np.diag(np.exp(-1j * m.positions @ Gcart))
        H = m.hamiltonian(K)
        HG = m.hamiltonian(K + np.array(G))
        assert np.abs(HG - V.conj().T @ H @ V).max() < 1e-12 or np.abs(HG - V @ H @ V.conj().T).max() < 1e-12


def test_printed_first_line_breaks_c4():
    """The literal Eq. (39) (p_y hopping t along a1) is not C4-symmetric: why we correct it."""
    from w90resp.models import decorated_square as mod
    m = decorated_square()
    nw = m.num_wann
    idx = {(o.site, o.orbital, o.spin): i for i, o in enumerate(m.orbitals)}
    literal = {R: h.copy() for R, h in m.hoppings.items()}
    p = mod.DEFAULTS
    for s in ("up", "down"):
        i = idx[(0, "py", s)]
        for R, val in (((0, 1, 0), -p["t"]), ((1, 0, 0), p["t"])):   # move +t from a2 to a1
            mR = tuple(-x for x in R)
            literal[R][i, i] += val
            literal[mR][i, i] += val
    broken = type(m)(name="literal", real_lattice=m.real_lattice, orbitals=m.orbitals,
                     hoppings=literal, periodic=m.periodic, atoms=m.atoms)
    assert nw == 10
    assert check_symmetry(broken, rotation_z(4), K) > 1e-2


def test_spin_and_orbital_textures():
    """FCIM paper Sec. III A: <L_z>_n = <S_z>_n = 0 for all bands, in-plane ones finite."""
    m = decorated_square()
    ops = m.operators()
    E, U = np.linalg.eigh(m.hamiltonian(K))
    for M in ("L", "S"):
        exp = np.einsum("kin,aij,kjn->kna", U.conj(), ops[M], U).real
        assert np.abs(exp[..., 2]).max() < 1e-10
        assert np.abs(exp[..., :2]).max() > 1e-2
