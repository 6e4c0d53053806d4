"""The vectorized kernels behind the fast FCIM path, each against a direct route.

* ``OnsiteDiagonals`` (pair products on the union pattern) vs the full rotation U^+ O U;
* ``FermiSurface`` (energy-sorted, banded -f') vs the dense -f' matrix times the weights;
* ``velocity_wannier`` / ``velocity_diagonal`` / ``degenerate_blocks`` (our R -> k transform of
  the in-plane dH/dk) vs WannierBerri's own band-basis velocity ``Xbar('Ham', 1)``, for a
  2D sheet (the skipped z axis must have a vanishing band diagonal) and for a 3D crystal;
  both R -> k routes (FFT, direct sum) vs WannierBerri's H(k); the on-site blocks of
  ``degenerate_blocks`` vs the full rotation U^+ O U.
"""
import numpy as np
import pytest
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident

from w90resp import runner
from w90resp.models.mos2 import mos2
from w90resp.responses import _bands


def _random_unitaries(rng, nk, n):
    A = rng.normal(size=(nk, n, n)) + 1j * rng.normal(size=(nk, n, n))
    return np.linalg.qr(A)[0]


def test_onsite_diagonals_equal_full_rotation():
    rng = np.random.default_rng(1)
    nw, nk = 14, 37
    blocks = [np.arange(0, 5), np.arange(5, 8), np.arange(9, 14)]     # orbital 8 untouched

    def sparse_hermitian(ncomp):
        op = np.zeros((ncomp, nw, nw), complex)
        for idx in blocks:
            A = rng.normal(size=(ncomp, len(idx), len(idx))) + 1j * rng.normal(size=(ncomp, len(idx), len(idx)))
            op[:, idx[:, None], idx[None, :]] = A + np.conj(np.swapaxes(A, 1, 2))
        return op

    ops = {"A": sparse_hermitian(3), "B": sparse_hermitian(5)}
    U = _random_unitaries(rng, nk, nw)
    for tile in (7, 2048):                       # tiles that do and do not divide nk * nw
        got = _bands.OnsiteDiagonals(ops, tile=tile).diag(U)
        for name, op in ops.items():
            full = np.einsum("kim,cij,kjn->kmnc", U.conj(), op, U)
            ref = np.einsum("knnc->knc", full).real
            assert got[name].shape == ref.shape
            assert np.abs(got[name] - ref).max() < 1e-12 * np.abs(ref).max()
    with pytest.raises(ValueError, match="not Hermitian"):
        bad = ops["A"].copy()
        bad[0, 0, 1] += 1.0
        _bands.OnsiteDiagonals({"bad": bad})


@pytest.mark.parametrize("kT", [0.01, 0.05])
def test_fermi_surface_banded_equals_dense(kT):
    rng = np.random.default_rng(2)
    E = np.concatenate([rng.uniform(-6, 4, 5000), [-40.0, 35.0]]).reshape(-1, 2)   # far-away states
    W = rng.normal(size=(E.shape[0], 2, 7))
    mu = np.concatenate([np.linspace(-5, 3, 61), rng.uniform(-5, 3, 10)])          # unsorted, non-uniform
    dense = np.einsum("mkn,knc->mc", _bands.minus_fermi_derivative(E, mu, kT), W)
    for block in (1, 8, 32, 500):
        got = _bands.FermiSurface(E, mu, kT, block=block).sum(W)
        assert np.abs(got - dense).max() < 1e-12 * np.abs(dense).max()
    # chemical potentials far from every state give exactly zero
    assert np.all(_bands.FermiSurface(E, [100.0, 200.0], kT).sum(W) == 0)


class _VelocityProbe(Calculator):
    """Records our velocities next to WannierBerri's Xbar('Ham', 1) on each chunk."""

    def __init__(self, record):
        super().__init__()
        self.record = record

    def __call__(self, data_K):
        ref = data_K.Xbar("Ham", 1)                           # (nk, nb, nb, 3), WannierBerri
        dH, comps = _bands.velocity_wannier(data_K)
        kidx = np.arange(0, data_K.nk, 5)
        XX = data_K.get_R_mat("Ham")
        H = {m: _bands._r_to_k(data_K, XX, m) for m in ("fft", "direct")}
        # blocks of arbitrary band groups (pairs and triples, some padded)
        rng = np.random.default_rng(len(self.record))
        nb = data_K.E_K.shape[1]
        members = np.minimum(rng.integers(0, nb - 2, len(kidx))[:, None] + np.arange(3), nb - 1)
        valid = np.ones((len(kidx), 3), bool)
        valid[::2, 2] = False
        ops = mos2().operators()
        ops = {n: ops[n] for n in ("L", "S", "Q")}
        onsite, vblk = _bands.degenerate_blocks(data_K, kidx, members, valid, _bands.OnsiteDiagonals(ops))
        U = data_K.UU_K[kidx]
        full = {n: _bands.rotate_onsite(U, o) for n, o in ops.items()}
        self.record.append(dict(ref=ref, comps=comps, vdiag=_bands.velocity_diagonal(data_K),
                                kidx=kidx, members=members, valid=valid, vblk=vblk,
                                onsite=onsite, full=full, H=H, H_wb=data_K.HH_K))
        return EnergyResult(np.zeros(1), np.zeros(1), transformTR=transform_ident,
                            transformInv=transform_ident)


def _bulk(tb):
    """MoS2 model stacked along z with a weak random interlayer hopping (3D, no symmetry)."""
    rng = np.random.default_rng(3)
    t = 0.05 * (rng.normal(size=(tb.num_wann,) * 2) + 1j * rng.normal(size=(tb.num_wann,) * 2))
    hop = dict(tb.hoppings)
    hop[(0, 0, 1)] = t
    hop[(0, 0, -1)] = t.conj().T
    lat = tb.real_lattice.copy()
    lat[2] = [0.0, 0.0, 6.2]
    return type(tb)(name="bulk", real_lattice=lat, orbitals=tb.orbitals, hoppings=hop,
                    periodic=(True, True, True), energy_unit=tb.energy_unit,
                    length_unit=tb.length_unit, atoms=tb.atoms,
                    quadrupole_sites=tb.quadrupole_sites)


@pytest.mark.parametrize("dim", [2, 3])
def test_velocities_match_wannierberri(dim):
    tb = mos2() if dim == 2 else _bulk(mos2())
    record = []
    nk, fft = (12, 6) if dim == 2 else (6, 3)
    runner.run(tb, {"probe": _VelocityProbe(record)}, nk, symmetry=False, max_fft=fft)
    assert len(record) > 1                                    # several chunks (dK shifts)
    for r in record:
        ref = r["ref"]
        scale = np.abs(ref).max()
        assert r["comps"] == ((0, 1) if dim == 2 else (0, 1, 2))
        ref_diag = np.einsum("knnc->knc", ref).real
        assert np.abs(r["vdiag"] - ref_diag).max() < 1e-12 * scale
        if dim == 2:
            # i[H, z] from the orbital heights: nonzero off the diagonal, zero on it
            assert np.abs(ref[..., 2]).max() > 1e-2 * scale
            assert np.abs(ref_diag[..., 2]).max() < 1e-12 * scale
        # both R -> k routes give WannierBerri's H(k) of the chunk
        for m, Hk in r["H"].items():
            assert np.abs(0.5 * (Hk + np.conj(np.swapaxes(Hk, 1, 2))) - r["H_wb"]).max() < 1e-12, m
        c = list(r["comps"])
        g = np.arange(len(r["kidx"]))[:, None, None]
        m, n = r["members"][:, :, None], r["members"][:, None, :]
        pv = (r["valid"][:, :, None] & r["valid"][:, None, :])[..., None]
        vref = ref[r["kidx"]][g, m, n] * pv
        assert np.abs(r["vblk"][..., c] - vref[..., c]).max() < 1e-12 * scale
        for name, full in r["full"].items():
            oref = full[g, m, n] * pv
            assert np.abs(r["onsite"][name] - oref).max() < 1e-12 * np.abs(full).max(), name


def test_operators_under_one_name_do_not_share_the_chunk_cache():
    """Two FCIM calculators of one run, both calling their moment 'S' but with S and 2S:
    the second must not reuse the first one's cached band diagonals or sums."""
    from w90resp.responses.fcim import FCIM
    tb = mos2()
    ops = tb.operators()
    mu = np.linspace(-1.0, 0.5, 7)
    calcs = {"a": FCIM({"M": ops["S"], "Q": ops["Q"]}, "S", mu, 0.05, 0.05, cell_measure=tb.cell_measure),
             "b": FCIM({"M": 2 * ops["S"], "Q": ops["Q"]}, "S", mu, 0.05, 0.05, cell_measure=tb.cell_measure)}
    res = runner.run(tb, calcs, 12, symmetry=False, max_fft=12)
    assert np.abs(res["a"]).max() > 0
    assert np.abs(res["b"] - 2 * res["a"]).max() < 1e-12 * np.abs(res["a"]).max()
