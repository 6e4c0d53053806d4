"""FCIM of monolayer MoS2 (FCIM paper Sec. III B, Fig. 5): D3h selection rules."""
import numpy as np
import pytest

from w90resp.models.mos2 import mos2
from w90resp.responses.fcim import fcim_response
from w90resp.operators import LAMBDAS
from w90resp.symmetry import check_tensor, point_group_from_symbol

X, Y, Z = 0, 1, 2


@pytest.fixture(scope="module")
def result():
    mu = np.linspace(-1.0, 2.2, 17)
    return mu, fcim_response(mos2(), mu, 0.05, 0.05, 30)


@pytest.mark.parametrize("moment", ["L", "S"])
def test_only_fzx_x2y2_among_falpha_x(result, moment):
    """Sec. III B: (M_x)_n = (M_y)_n = 0 for all bands (coupling needs k_z), so the
    in-plane responses vanish identically although D3h allows f_xx^{xz} = -f_yx^{yz};
    f_zx^{x2-y2} is the one finite component among f_{alpha x}."""
    mu, res = result
    f = res[moment]
    largest = np.abs(f).max()
    assert np.abs(f[:, :2]).max() < 1e-12 * largest
    fzx = f[:, Z, X]
    i = LAMBDAS.index("x2-y2")
    assert np.abs(fzx[:, i]).max() == pytest.approx(np.abs(f[:, :, X]).max())
    others = np.delete(fzx, i, axis=1)
    assert np.abs(others).max() < 1e-8 * largest
    check_tensor("fcim", f, point_group_from_symbol("D3h"))


def test_valence_edge_enhancement(result):
    """Fig. 5(i),(l): |f_zx^{x2-y2}| is largest just below the valence-band top
    (mu ~ 0 in the model's energy zero), not in the gap."""
    mu, res = result
    H = mos2().hamiltonian(np.array([[1 / 3, 1 / 3, 0]]))       # K point
    e = np.linalg.eigvalsh(H[0])
    vbm_K, cbm_K = e[13], e[14]
    for M in ("L", "S"):
        f = np.abs(res[M][:, Z, X, LAMBDAS.index("x2-y2")])
        gap = (mu > vbm_K + 0.3) & (mu < cbm_K - 0.3)
        near_top = (mu > vbm_K - 0.6) & (mu < vbm_K + 0.1)
        assert f[near_top].max() > 20 * f[gap].max()
