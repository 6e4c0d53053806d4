"""FCIM with a general strain vertex D_lambda(k) (w90resp.responses.fcim_vertex)."""
import json
import os
import warnings

import numpy as np
import pytest

from w90resp import strain_vertex as sv
from w90resp.models import get_model
from w90resp.responses import fcim_vertex as fv
from w90resp.responses.fcim import fcim_response

HERE = os.path.dirname(os.path.abspath(__file__))
MOSSE = os.path.join(HERE, "..", "data", "mosse")
G = np.array([0.7, -1.3, 0.4, 2.0, -0.5])          # arbitrary g_lambda


@pytest.fixture(scope="module")
def mosse():
    from w90resp.io import load_wannier90
    from w90resp.symmetry import symmetrize_hamiltonian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = load_wannier90(os.path.join(MOSSE, "MoSSe"))
    tb, _ = symmetrize_hamiltonian(raw)
    return raw, tb


@pytest.mark.parametrize("symmetry", [False, True])
def test_onsite_vertex_reproduces_f_over_g(symmetry):
    """D_lambda = g_lambda Q_lambda through the vertex path equals g_lambda x (f/g) of the
    FCIM calculators, 1e-12 relative, with and without the point group (decorated square)."""
    tb = get_model("decorated-square")
    Q = tb.operators()["Q"]
    verts = [{(0, 0, 0): G[l] * Q[l]} for l in range(5)]
    mu = np.linspace(-2, 1, 7)
    a = fcim_response(tb, mu, 0.05, 0.05, 48, symmetry=symmetry)
    b = fv.fcim_vertex_response(tb, verts, mu, 0.05, 0.05, 48, basis="quadrupole",
                                symmetry=symmetry)
    for m in ("L", "S"):
        ref = a[m] * G
        assert np.abs(ref).max() > 1e-2
        assert np.abs(b[m] - ref).max() < 1e-12 * np.abs(ref).max()


def _c3v_vertex(tb, gE, gA):
    """Strain-basis vertex symmetric under any point group containing C3v (and the
    polynomial pairs): D(eps) = gE [(eps_xx - eps_yy) Q_x2-y2 + 2 eps_xy Q_xy]
    + gA (eps_xx + eps_yy) Q_3z2-r2."""
    Q = tb.operators()["Q"]
    return {"xx": {(0, 0, 0): gE * Q[0] + gA * Q[1]},
            "yy": {(0, 0, 0): -gE * Q[0] + gA * Q[1]},
            "xy": {(0, 0, 0): 2 * gE * Q[2]}}


def test_strain_basis_and_symmetrization_on_mosse(mosse):
    """A symmetric strain vertex (Q couplings of C3v form) in the strain basis, k-sum
    reduced by C3v and symmetrized, equals the combination of the quadrupole-basis
    f/g it is made of (1e-10); its symmetry residuals (C3 and mirrors mapping xx onto
    yy and xy) are at round-off — a check of the residual routine itself."""
    raw, tb = mosse
    gE, gA = 0.9, -0.4
    V = _c3v_vertex(tb, gE, gA)
    vertex = sv.StrainVertex(V, {c: 1.0 for c in V})
    res = sv.symmetry_residuals(tb, vertex)
    crossing = [r for r in res if isinstance(r["operation"], int)
                and sum(abs(x) > 1e-9 for x in r["image"].values()) > 1]
    assert len(crossing) >= 6
    for r in res:
        assert r["residual"] < 1e-10 * r["scale"], r
    mu = np.array([-1.80, -1.75])
    F = fcim_response(tb, mu, 0.03, 0.03, 48, symmetry=True)
    f = fv.fcim_vertex_response(tb, [V["xx"], V["yy"], V["xy"]], mu, 0.03, 0.03, 48,
                                symmetry=True)
    for m in ("L", "S"):
        expect = np.stack([gE * F[m][..., 0] + gA * F[m][..., 1],
                           -gE * F[m][..., 0] + gA * F[m][..., 1],
                           2 * gE * F[m][..., 2]], axis=-1)
        scale = np.abs(expect).max()
        assert scale > 1e-3
        assert np.abs(f[m] - expect).max() < 1e-10 * scale


def test_partial_basis_refuses_symmetrization(mosse):
    _, tb = mosse
    V = _c3v_vertex(tb, 1.0, 0.0)
    with pytest.raises(ValueError, match="needs all strain components"):
        fv.fcim_vertex_response(tb, [V["xx"]], [-1.8], 0.03, 0.03, 12, components=("xx",),
                                symmetry=True)


def test_command_with_dft_vertex(tmp_path, mosse):
    """w90resp fcim --strain-vertex on our eps_xx run: JSON in absolute units, the same
    numbers as the API with the vertex of strain_vertex, lab units from the natural ones;
    a missing folder is a one-line error and leaves an earlier output alone."""
    from w90resp.cli import main
    raw, tb = mosse
    out = tmp_path / "fv.json"
    folder = os.path.join(MOSSE, "strain", "xx_+0.005")
    args = ["fcim", "--seedname", os.path.join(MOSSE, "MoSSe"), "--strain-vertex", folder,
            "--kT", "0.03", "--eta", "0.03", "--mu-min", "-1.85", "--mu-max", "-1.75",
            "--mu-step", "0.05", "--nk", "36", "--json", str(out), "--quiet"]
    assert main(args) == 0
    d = json.loads(out.read_text())
    assert d["components"] == ["xx"] and d["parameters"]["symmetry"] is False
    from w90resp.io import load_wannier90
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t1 = load_wannier90(os.path.join(folder, "MoSSe"))
    v = sv.vertex_from_pairs(raw, [t1])
    api = fv.fcim_vertex_response(_cli_tb(), [v.D["xx"]], np.array(d["mu"]), 0.03, 0.03, 36,
                                  components=("xx",))
    for m in ("L", "S"):
        got = np.array(d[f"f_{m}"])
        assert np.abs(got).max() > 1e-3
        assert np.allclose(got, api[m], rtol=1e-10, atol=1e-12 * np.abs(got).max())
        assert np.allclose(np.array(d[f"{m}_per_gradient"]), got * 1e-4)
    mag = np.array(d["magnetization_per_gradient"])
    assert np.allclose(mag, -1e-4 * (np.array(d["f_L"]) + 2.0023 * np.array(d["f_S"])))
    assert "per (1 % strain per micrometre)" in d["units"]["magnetization_per_gradient"]
    assert d["parameters"]["vertex_symmetry_residual_max"] < 1e-4
    before = out.read_text()
    bad = list(args)
    bad[bad.index(folder)] = str(tmp_path / "nowhere")
    assert main(bad) == 2
    assert out.read_text() == before


def _cli_tb():
    """The Hamiltonian the command uses: read as the CLI reads it, symmetrized."""
    from w90resp.commands._common import read_seedname
    from w90resp.symmetry import symmetrize_hamiltonian
    import argparse
    ns = argparse.Namespace(structure=None, projections=None, spin_order="auto", positions="auto",
                            fermi_energy=None, fermi_from=None)
    raw = read_seedname(os.path.join(MOSSE, "MoSSe"), ns, quiet=True)
    return symmetrize_hamiltonian(raw)[0]


def test_absolute_response_obeys_c3v_with_the_dft_vertex(mosse):
    """The vertex of our three strained runs (xx, yy, xy), projected onto its symmetric
    form, gives an FCIM tensor that obeys Neumann's principle for 3m to 1e-8 of its largest
    component although the k sum runs without the point group; the projection removed
    a few % of D_xx, D_yy and more of the one-sided D_xy (its O(eps) second-order part)."""
    from w90resp.io import load_wannier90
    from w90resp.symmetry import check_tensor, point_group_from_structure
    from w90resp.symmetry.neumann import ResponseSpec
    raw, tb = mosse
    folders = [os.path.join(MOSSE, "strain", f) for f in ("xx_+0.005", "yy_+0.005", "xy_+0.005")]
    if not all(os.path.exists(os.path.join(f, "MoSSe_tb.dat.gz")) for f in folders):
        pytest.skip("strained runs absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [load_wannier90(os.path.join(f, "MoSSe")) for f in folders]
    v, rep = sv.symmetrize(raw, sv.vertex_from_pairs(raw, runs))
    assert all(r["removed_max"] < 0.2 * r["max_D"] for r in rep.values())
    order = list(fv.STRAIN_COMPONENTS)
    r = fv.fcim_vertex_response(tb, [v.D[c] for c in order], [-2.0, -1.9], 0.03, 0.03, 24,
                                components=order, symmetry=False)
    spec = ResponseSpec("fcim-strain", ("axial", "polar", "polar", "polar"), "spatial", "F", "")
    pg = point_group_from_structure(os.path.join(MOSSE, "MoSSe.win"))
    for m in ("L", "S"):
        T = fv.strain_to_cartesian(r[m], order)
        assert np.abs(T).max() > 1e-3
        check_tensor(spec, T, pg, forbidden_tol=1e-8, relation_tol=1e-8)
    # the relation the paper writes for C3v: M_z from d_y eps_xy is -2 x that from d_x eps_xx
    f = r["L"]
    assert np.allclose(f[:, 2, 1, 2], -2 * f[:, 2, 0, 0], rtol=1e-8)
