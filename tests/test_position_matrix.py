"""The full position matrix r_mn(R) of a _tb.dat enters the velocity i[H, r] and the
interband Berry connection exactly as in WannierBerri (its ``get_A_H`` with external terms),
on a public Wannier90 file of another group (Si valence bonds, WannierDatasets) and on our
MoSSe; and the diagonal approximation is measurably different there."""
import gzip
import os
import shutil
import warnings

import numpy as np
import pytest
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident

from w90resp import runner
from w90resp.io import load_wannier90
from w90resp.responses import _bands

HERE = os.path.dirname(__file__)
SI2 = os.path.join(HERE, "data", "public", "Si2_valence_tb.dat.gz")
MOSSE = os.path.join(HERE, os.pardir, "data", "mosse", "MoSSe")


class _Probe(Calculator):
    """Records E and the interband Berry connection on every chunk: ours from
    :func:`_bands.velocity` (A_nm = i v_nm / (e_m - e_n)), or WannierBerri's get_A_H."""

    def __init__(self, record, ours):
        super().__init__()
        self.record, self.ours = record, ours

    def __call__(self, data_K):
        E = data_K.E_K
        if self.ours:
            v = _bands.velocity(data_K)
            dE = E[:, None, :] - E[:, :, None]                 # e_m - e_n at [n, m]
            off = ~np.eye(E.shape[1], dtype=bool)
            A = np.zeros_like(v)
            A[:, off] = 1j * v[:, off] / dE[:, off][..., None]
        else:
            A = data_K.get_A_H(external_terms=True)
        self.record.append((np.array(data_K.kpoints_all), E.copy(), A))
        return EnergyResult(np.zeros(1), np.zeros(1), transformTR=transform_ident,
                            transformInv=transform_ident)


def _invariants(A, axes):
    """Per band: interband metric g_n^{aa} and curvature Omega_n^{ab} (gauge invariant
    for non-degenerate bands), from A (nk, nb, nb, 3) with zero diagonal."""
    d = np.arange(A.shape[1])
    A = A.copy()
    A[:, d, d] = 0.0
    a, b = axes
    g = np.einsum("knm,kmn->kn", A[..., a], A[..., a].conj().swapaxes(1, 2)).real
    om = -2 * np.einsum("knm,kmn->kn", A[..., a], A[..., b]).imag
    return g, om


def _run(tb, system, nk):
    rec = []
    ours = system is None
    runner.run(tb, {"p": _Probe(rec, ours)}, nk, symmetry=False, system=system)
    k = np.concatenate([r[0] for r in rec])
    order = np.lexsort(np.round(k, 9).T)
    E = np.concatenate([r[1] for r in rec])[order]
    A = np.concatenate([r[2] for r in rec])[order]
    return E, A


def _nondegenerate(E, tol=1e-4):
    gaps = np.diff(E, axis=1)
    ok = np.ones(E.shape, bool)
    ok[:, 1:] &= gaps > tol
    ok[:, :-1] &= gaps > tol
    return ok


def _compare(tb, wb_system, nk, axes):
    E1, A1 = _run(tb, None, nk)
    E2, A2 = _run(tb, wb_system, nk)
    assert np.abs(E1 - E2).max() < 1e-10
    ok = _nondegenerate(E1)
    assert ok.mean() > 0.5
    g1, o1 = _invariants(A1, axes)
    g2, o2 = _invariants(A2, axes)
    for x, y in ((g1, g2), (o1, o2)):
        scale = np.abs(y[ok]).max()
        assert scale > 0
        assert np.abs(x[ok] - y[ok]).max() <= 1e-6 * scale
    return E1, g1, o1, ok


def _si2(tmp_path):
    path = str(tmp_path / "Si2_valence_tb.dat")
    with gzip.open(SI2, "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    # bond-centred s functions (the .win's c= projections, Cartesian Angstrom)
    c = 0.67882
    centres = [(c, -c, -c), (-c, -c, c), (-c, c, -c), (c, c, c)]
    spec = [("X", xyz, "s") for xyz in centres]
    return path, spec


def test_position_matrix_matches_wannierberri_public_si(tmp_path):
    from wannierberri.system import System_R
    path, spec = _si2(tmp_path)
    tb = load_wannier90(path, orbitals=spec)
    assert tb.parameters["position_matrix"] == "full" and tb.dimension == 3
    wb = System_R.from_tb_file(tb_file=path, berry=True)
    E, g, om, ok = _compare(tb, wb, 4, axes=(0, 1))
    # the diagonal approximation is a different answer on this file
    tb_diag = load_wannier90(path, orbitals=spec, position_matrix="diagonal")
    assert tb_diag.position_matrix is None
    _, A_d = _run(tb_diag, None, 4)
    g_d, om_d = _invariants(A_d, (0, 1))
    sel = ok & (np.abs(g) > 1e-8)
    rel = np.abs(g_d[sel] - g[sel]) / np.abs(g[sel])
    assert np.median(rel) > 0.1


@pytest.mark.skipif(not os.path.exists(MOSSE + "_tb.dat"), reason="MoSSe data not present")
def test_position_matrix_matches_wannierberri_mosse():
    """Our phases use the atoms' positions, WannierBerri's the file's centres: with the
    whole r(R) both describe the same Bloch states (in-plane components; along the vacuum
    axis the file's centres carry Wannier90's branch of the Berry phase, +-c)."""
    from wannierberri.system import System_R
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(MOSSE)
    assert tb.parameters["position_matrix"] == "full"
    wb = System_R.from_tb_file(tb_file=MOSSE + "_tb.dat", berry=True, periodic=(True, True, False))
    _compare(tb, wb, 6, axes=(0, 1))


@pytest.mark.skipif(not os.path.exists(MOSSE + "_tb.dat"), reason="MoSSe data not present")
def test_symmetrized_position_matrix_obeys_the_group():
    """The symmetrizer projects r(R) too: afterwards the in-plane interband metric
    g_n^xx + g_n^yy of every band is the same at k, C3 k and -k (C3v + time reversal) to
    round-off; the position matrix read from DFT obeys that only to its own noise."""
    from w90resp.symmetry.hamiltonian import symmetrize_hamiltonian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(MOSSE)
    sym, report = symmetrize_hamiltonian(tb)
    assert sym.position_matrix is not None
    assert report["positions_removed_max"] < 0.2 * report["positions_max_offdiagonal"]
    again, rep2 = symmetrize_hamiltonian(sym)
    assert rep2["positions_removed_max"] < 1e-12

    nk = 6
    def trace_metric(t):
        rec = []
        runner.run(t, {"p": _Probe(rec, True)}, nk, symmetry=False)
        k = np.concatenate([r[0] for r in rec])
        E = np.concatenate([r[1] for r in rec])
        A = np.concatenate([r[2] for r in rec])
        gx, _ = _invariants(A, (0, 1))
        gy, _ = _invariants(A, (1, 0))
        return k, E, gx + gy

    k, E, gs = trace_metric(sym)
    _, _, g0 = trace_metric(tb)
    index = {tuple(np.round(np.mod(x[:2], 1.0) * nk).astype(int) % nk): i for i, x in enumerate(k)}

    lat = tb.real_lattice
    rec_lat = np.linalg.inv(lat).T                         # rows b_i / 2 pi
    c, s = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

    def image(x, M):
        y = np.linalg.solve(rec_lat.T, M @ (rec_lat.T @ x))  # reduced coordinates of M k
        return index[tuple(np.round(y[:2] * nk).astype(int) % nk)]

    ok = _nondegenerate(E, tol=1e-2)
    err_sym, err_raw = 0.0, 0.0
    for i, x in enumerate(k):
        for M in (rot, -np.eye(3)):
            j = image(x, M)
            m = ok[i] & ok[j]
            err_sym = max(err_sym, np.abs(gs[i, m] - gs[j, m]).max(initial=0))
            err_raw = max(err_raw, np.abs(g0[i, m] - g0[j, m]).max(initial=0))
    scale = np.abs(gs[ok]).max()
    assert err_sym < 1e-8 * scale
    assert err_raw > 1e2 * err_sym       # the check can see an asymmetric position matrix
