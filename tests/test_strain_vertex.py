"""Electron-strain vertex D = dH/d eps from strained Wannier Hamiltonians (w90resp.strain_vertex)."""
import os
import warnings

import numpy as np
import pytest

from w90resp import strain_vertex as sv
from w90resp.models.pt_afm import pt_afm
from w90resp.tb import TightBinding

HERE = os.path.dirname(os.path.abspath(__file__))
MOSSE = os.path.join(HERE, "..", "data", "mosse")
K_BAND_OFFSET = 4                    # exclude_bands = 1-4 in MoSSe.win
FROZEN_MAX = 2.2                     # dis_froz_max (eV)


def _strained_copy(tb, eps, X, amp):
    """tb with lattice (1 + amp e)^T-strained and H(R) + amp X(R)."""
    lat = tb.real_lattice @ (np.eye(3) + amp * eps).T
    hop = {R: h + amp * X.get(R, 0) for R, h in tb.hoppings.items()}
    return TightBinding(name=tb.name + "-strained", real_lattice=lat, orbitals=tb.orbitals,
                        hoppings=hop, periodic=tb.periodic, atoms=tb.atoms)


def _random_vertex(tb, seed):
    """A Hermitian-consistent random X(R) (X(-R) = X(R)^dagger) on the R set of tb."""
    rng = np.random.default_rng(seed)
    nw = tb.num_wann
    X = {}
    for R in tb.hoppings:
        mR = tuple(-x for x in R)
        if mR in X:
            X[R] = X[mR].conj().T
            continue
        z = rng.normal(size=(nw, nw)) + 1j * rng.normal(size=(nw, nw))
        X[R] = 0.5 * (z + z.conj().T) if R == mR else z
    return X


def test_strain_read_off_the_lattices():
    tb = pt_afm()
    for comp, amp in (("xx", 0.004), ("yy", -0.003), ("xy", 0.002)):
        got = sv.strain_between(tb.real_lattice,
                                tb.real_lattice @ (np.eye(3) + amp * sv.COMPONENTS[comp]).T)
        assert got[0] == comp and np.isclose(got[1], amp, rtol=1e-12)
    rot = np.array([[np.cos(0.01), -np.sin(0.01), 0], [np.sin(0.01), np.cos(0.01), 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="not one homogeneous"):
        sv.strain_between(tb.real_lattice, tb.real_lattice @ rot.T)


def test_deformation_potentials_perturbation_vs_finite_differences():
    """First-order (degenerate) perturbation theory with D(k) against central differences of
    the eigenvalues of H_0 + eps X, with X random: the PT doubling of pt-afm makes every
    level a degenerate pair that X splits (the block-eigenvalue branch)."""
    tb = pt_afm()
    X = _random_vertex(tb, 3)
    v = sv.vertex_from_pairs(tb, [_strained_copy(tb, sv.COMPONENTS["xx"], X, 1e-3)])
    assert max(np.abs(v.D["xx"][R] - X[R]).max() for R in X) < 1e-9
    k = np.random.default_rng(1).random((4, 3))
    k[:, 2] = 0
    E, dE = sv.deformation_potentials(tb, v.D["xx"], k)
    assert np.abs(E[:, 0] - E[:, 1]).max() < 1e-10          # pairs
    h = 1e-6
    ep = np.linalg.eigvalsh(sv.fourier({R: tb.hoppings[R] + h * X[R] for R in X}, k))
    em = np.linalg.eigvalsh(sv.fourier({R: tb.hoppings[R] - h * X[R] for R in X}, k))
    # sorted eigenvalues: +h gives E + h dE_sorted-ascending within a pair, -h the reverse
    fd_hi = (ep - E) / h
    assert np.abs(np.sort(dE.reshape(len(k), -1, 2), axis=-1).reshape(dE.shape) - fd_hi).max() < 1e-4
    assert np.abs(dE[:, 0] - dE[:, 1]).max() > 1e-2          # the pairs are split
    # the model's own bands agree with the Fourier sum used here
    assert np.allclose(np.linalg.eigvalsh(tb.hamiltonian(k)), E, atol=1e-10)


def test_vertex_symmetry_under_point_group_of_model():
    """A vertex built from a strain that respects no symmetry fails the check, one that
    is the symmetric image of a symmetric Hamiltonian passes (residual ~ round-off)."""
    from w90resp.models import get_model
    tb = get_model("decorated-square")
    # symmetric vertex: the Hamiltonian itself scaled is invariant under every operation,
    # and D = H_0 maps xx onto itself only for operations with g e_xx g^T = e_xx
    v = sv.vertex_from_pairs(tb, [_strained_copy(tb, sv.COMPONENTS["xx"], tb.hoppings, 1e-3)])
    res = sv.symmetry_residuals(tb, v)
    assert any(r["operation"] not in ("time reversal", "hermiticity") and r["operation"] != 0
               for r in res)
    for r in res:
        assert r["residual"] < 1e-10 * r["scale"], r
    # a random vertex breaks them
    X = _random_vertex(tb, 5)
    w = sv.vertex_from_pairs(tb, [_strained_copy(tb, sv.COMPONENTS["xx"], X, 1e-3)])
    bad = [r for r in sv.symmetry_residuals(tb, w) if r["operation"] not in (0, "hermiticity")]
    assert bad
    assert all(r["residual"] > 1e-2 * r["scale"] for r in bad)


# ------------------------------------------------------------ our strained MoSSe runs
@pytest.fixture(scope="module")
def mosse_xx():
    from w90resp.io import load_wannier90
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = load_wannier90(os.path.join(MOSSE, "MoSSe"))
        t1 = load_wannier90(os.path.join(MOSSE, "strain", "xx_+0.005", "MoSSe"))
    return t0, t1, sv.vertex_from_pairs(t0, [t1])


def _read_dft(path):
    rows = [ln.split() for ln in open(path) if ln.strip() and not ln.startswith("#")]
    return [r[0] for r in rows], np.array([r[4:] for r in rows], dtype=float)


def test_mosse_vertex_symmetric_and_gauge_continuous(mosse_xx):
    """D_xx of our DFT runs obeys the C3v operations that keep e_xx (the identity and the
    mirror x -> -x), time reversal and hermiticity to 1e-4 of max|D| (measured: 1.0e-5,
    4.6e-6, 3e-13): the Wannier gauge of the two runs is continuous (a gauge jump would
    show at order 1).  The other mirrors and C3 map e_xx onto combinations with yy and xy
    and are checked once those runs exist."""
    t0, t1, v = mosse_xx
    assert v.components == ("xx",) and np.isclose(v.amplitudes["xx"], 0.005)
    res = sv.symmetry_residuals(t0, v)
    nontrivial = [r for r in res if r["operation"] not in (0,)]
    assert len(nontrivial) >= 3                               # a mirror, T, hermiticity
    for r in res:
        assert r["residual"] < 1e-4 * r["scale"], r
    scale = max(np.abs(h).max() for h in v.D["xx"].values())
    assert 1.0 < scale < 20.0                                 # eV per unit strain


def test_mosse_deformation_potentials_against_dft(mosse_xx):
    """d e_n/d eps_xx from the central-difference D_xx (runs at +-0.5 %, first-order
    perturbation theory) against the DFT central differences of the same pw.x runs at
    Gamma, M, K, K' and two mid-path points, all bands inside the frozen window:
    <= 5 meV per % strain (the issue's target)."""
    from w90resp.io import load_wannier90
    t0, t1, _ = mosse_xx
    minus = os.path.join(MOSSE, "strain", "xx_-0.005")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t2 = load_wannier90(os.path.join(minus, "MoSSe"))
    v = sv.vertex_from_pairs(t0, [t1, t2])
    assert "central difference" in v.sources["xx"]
    lab0, e0 = _read_dft(os.path.join(MOSSE, "dft_bands_hsp.dat"))
    lab1, e1 = _read_dft(os.path.join(MOSSE, "strain", "xx_+0.005", "dft_bands_hsp.dat"))
    lab2, e2 = _read_dft(os.path.join(minus, "dft_bands_hsp.dat"))
    assert lab0 == lab1 == lab2
    kpts = [np.array(ln.split()[1:4], dtype=float) for ln in open(os.path.join(MOSSE, "dft_bands_hsp.dat"))
            if ln.strip() and not ln.startswith("#")]
    E, dE = sv.deformation_potentials(t0, v.D["xx"], np.array(kpts))
    nw = t0.num_wann
    sl = slice(K_BAND_OFFSET, K_BAND_OFFSET + nw)
    for j, lab in enumerate(lab0):
        dft = (e1[j, sl] - e2[j, sl]) / 0.01
        sel = e0[j, sl] < FROZEN_MAX
        assert np.abs(dE[j] - dft)[sel].max() * 10 < 5.0, lab



def test_onsite_fit_recovers_quadrupole_couplings():
    """A vertex made of c0 1 + sum g_lambda Q_lambda on the Mo d shell plus hopping changes
    (MoS2 model): the fit returns c0 and g exactly and the non-local share is the hopping
    part's fraction of |D|^2."""
    from w90resp.models import get_model
    from w90resp.operators import onsite_operators
    tb = get_model("mos2")
    sel = lambda o: o.species == "Mo" and o.shell == "d"      # noqa: E731
    Q = onsite_operators(tb.orbitals, quadrupole_sites=sel)["Q"]
    idx = [i for i, o in enumerate(tb.orbitals) if sel(o)]
    assert len(idx) == 10
    g = np.array([0.3, -0.2, 0.5, 0.1, -0.4])
    onsite = np.einsum("l,lij->ij", g, Q)
    onsite[idx, idx] += 0.7
    X = _random_vertex(tb, 9)
    DR = {R: (0.1 * X[R] if R != (0, 0, 0) else onsite) for R in X}
    r = sv.onsite_fit(tb, DR, sel)
    assert np.isclose(r["identity"], 0.7, atol=1e-12)
    assert np.allclose(r["g"], g, atol=1e-12)
    assert r["onsite_residual"] < 1e-12
    hop = sum(np.sum(np.abs(h) ** 2) for R, h in DR.items() if R != (0, 0, 0))
    assert np.isclose(r["nonlocal_share"], hop / (hop + np.sum(np.abs(onsite) ** 2)), rtol=1e-10)


def test_symmetrize_vertex_projects_onto_the_symmetric_form():
    """A symmetric (C3v-form) vertex on MoS2 is unchanged; adding random noise, the
    projection removes it so that every operation maps D(eps) onto D(g eps g^T) to
    round-off, and projecting twice changes nothing."""
    from w90resp.models import get_model
    from w90resp.operators import onsite_operators
    tb = get_model("mos2")
    sel = lambda o: o.species == "Mo" and o.shell == "d"      # noqa: E731
    Q = onsite_operators(tb.orbitals, quadrupole_sites=sel)["Q"]
    V = {"xx": {(0, 0, 0): 0.9 * Q[0] - 0.4 * Q[1]}, "yy": {(0, 0, 0): -0.9 * Q[0] - 0.4 * Q[1]},
         "xy": {(0, 0, 0): 1.8 * Q[2]}}
    v = sv.StrainVertex(V, {c: 1.0 for c in V})
    s, rep = sv.symmetrize(tb, v)
    assert all(r["removed_max"] < 1e-12 * r["max_D"] for r in rep.values())
    noisy = {}
    for i, c in enumerate(V):
        X = _random_vertex(tb, i)
        noisy[c] = {R: 0.05 * X[R] + V[c].get(R, 0) for R in X}
    noisy = sv.StrainVertex(noisy, {c: 1.0 for c in V})
    before = sv.symmetry_residuals(tb, noisy)
    assert max(r["residual"] / r["scale"] for r in before if r["operation"] != 0) > 1e-3
    s, rep = sv.symmetrize(tb, noisy)
    for r in sv.symmetry_residuals(tb, s):
        assert r["residual"] < 1e-10 * r["scale"], r
    s2, rep2 = sv.symmetrize(tb, s)
    assert all(r["removed_max"] < 1e-10 * r["max_D"] for r in rep2.values())


def test_central_difference_removes_second_order():
    """H(+-eps) = H_0 +- eps X + eps^2 Y: two runs give X to round-off, one run X + eps Y;
    the recorded linearity is 2 eps max|Y| / max|X|."""
    tb = pt_afm()
    X, Y = _random_vertex(tb, 21), _random_vertex(tb, 22)
    eps = 5e-3

    def run(a):
        lat = tb.real_lattice @ (np.eye(3) + a * sv.COMPONENTS["xy"]).T
        hop = {R: h + a * X[R] + a * a * Y[R] for R, h in tb.hoppings.items()}
        return TightBinding(name="s", real_lattice=lat, orbitals=tb.orbitals, hoppings=hop,
                            periodic=tb.periodic, atoms=tb.atoms)

    one = sv.vertex_from_pairs(tb, [run(eps)])
    two = sv.vertex_from_pairs(tb, [run(eps), run(-eps)])
    xmax = max(np.abs(h).max() for h in X.values())
    assert max(np.abs(two.D["xy"][R] - X[R]).max() for R in X) < 1e-10 * xmax
    assert max(np.abs(one.D["xy"][R] - X[R] - eps * Y[R]).max() for R in X) < 1e-10 * xmax
    ymax = max(np.abs(h).max() for h in Y.values())
    assert np.isclose(two.linearity["xy"], 2 * eps * ymax / xmax, rtol=0.05)
    assert "central difference" in two.sources["xy"]


def test_fold_and_unfold_reconcile_wigner_seitz_images(mosse_xx):
    """Folding H_0 onto the 9x9 supercell and distributing it back over its own images
    gives H_0 (Wannier90's equal shares); a run whose hoppings sit on other images of the
    same supercell vector gives the same vertex as one that does not."""
    t0, _, _ = mosse_xx
    grid = t0.parameters["mp_grid"]
    assert grid == [9, 9, 1]
    back = sv.unfold(sv.fold(t0.hoppings, grid), t0.hoppings, grid)
    # equal shares up to the file's printed precision (images agree to ~1e-10 eV)
    assert max(np.abs(back[R] - t0.hoppings[R]).max() for R in t0.hoppings) < 1e-8
    # move every hopping of R = (4, 0, 0) to its image (-5, 0, 0): same H(k) on the grid
    X = _random_vertex(t0, 4)
    eps = 1e-3
    hop = {R: h + eps * X[R] for R, h in t0.hoppings.items()}
    R1, R2 = (4, 0, 0), (-5, 0, 0)
    assert R1 in hop and R2 not in hop
    hop[R2] = hop.pop(R1)
    hop[(5, 0, 0)] = hop.pop((-4, 0, 0))
    lat = t0.real_lattice @ (np.eye(3) + eps * sv.COMPONENTS["xx"]).T
    moved = TightBinding(name="m", real_lattice=lat, orbitals=t0.orbitals, hoppings=hop,
                         periodic=t0.periodic, atoms=t0.atoms, parameters={"mp_grid": grid})
    v = sv.vertex_from_pairs(t0, [moved])
    assert "folded" in v.sources["xx"]
    # on images that share one supercell vector, X itself is known only through its sum:
    # the vertex is X redistributed in equal shares, and D(k) = X(k) on the k grid
    expect = sv.unfold(sv.fold(X, grid), t0.hoppings, grid)
    assert max(np.abs(v.D["xx"][R] - expect[R]).max() for R in X) < 1e-9
    kg = np.array([[i / 9, j / 9, 0] for i in range(9) for j in range(9)])
    assert np.abs(sv.fourier(v.D["xx"], kg) - sv.fourier(X, kg)).max() < 1e-9
