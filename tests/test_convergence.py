"""The k-grid resolution hint agrees with the actual convergence of a response."""
import numpy as np

from w90resp import runner
from w90resp.convergence import UNRESOLVED_SHARE, resolution
from w90resp.models import get_model
from w90resp.responses import orbital_me as om


def test_hint_matches_the_convergence_of_orbital_me_alpha():
    """PT-AFM model, k_B T = 5 meV, with the width the orbital-me command uses (k_B T/2:
    its metric term is a Fermi-surface sum): the hint flags nk = 192 and suggests more; at
    384 it is silent.  The k-sums agree: alpha(192) is off by more than thirty times
    alpha(384), measured against nk = 768."""
    tb = get_model("pt-afm")
    mu = np.linspace(-1, 1, 9)
    share192, suggest = resolution(tb, mu, 192, 0.0025, kT=0.005)
    share384, _ = resolution(tb, mu, 384, 0.0025, kT=0.005)
    assert share192.max() > UNRESOLVED_SHARE and suggest > 192
    assert share384.max() < UNRESOLVED_SHARE
    res = {}
    for nk in (192, 384, 768):
        calcs = om.calculators(mu, 0.005, tb.cell_measure, quantities=("alpha",))
        res[nk] = runner.run(tb, calcs, nk, symmetry=True)["alpha"][:, 2, 0]
    err = {nk: np.abs(res[nk] - res[768]).max() for nk in (192, 384)}
    assert err[192] > 30 * err[384]


def test_lorentzian_criterion_is_stricter_per_width():
    """For one width the Lorentzian (damping) needs finer grids than the Fermi factor:
    its transform decays as exp(-eta t), the Fermi factor's as exp(-pi kT t)."""
    tb = get_model("mos2")
    mu = np.array([0.5, 1.0])
    sf, nf = resolution(tb, mu, 48, 0.02, kind="fermi")
    sl, nl = resolution(tb, mu, 48, 0.02, kind="lorentz", kT=0.02)
    assert nl >= nf and np.all(sl >= sf - 1e-12)


def test_suggested_grid_resolves_every_chemical_potential():
    """Whenever a share above the threshold is flagged, the suggested nk is larger and, at
    that nk, no chemical potential is flagged any more (bilayer-like PT model, several
    widths)."""
    tb = get_model("pt-afm")
    mu = np.linspace(-1.2, 1.2, 13)
    for nk, width in ((24, 0.013), (48, 0.005), (96, 0.0025)):
        share, suggest = resolution(tb, mu, nk, width)
        assert share.max() > UNRESOLVED_SHARE
        assert suggest > nk
        share2, suggest2 = resolution(tb, mu, suggest, width)
        assert share2.max() <= UNRESOLVED_SHARE + 1e-12
        assert suggest2 == suggest
