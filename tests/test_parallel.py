"""WannierBerri's Ray path with 2 local workers gives the serial numbers."""
import numpy as np
import pytest

from w90resp import runner
from w90resp.models.decorated_square import decorated_square
from w90resp.responses.fcim import fcim_calculators


@pytest.mark.slow
def test_ray_two_workers_equal_serial():
    pytest.importorskip("ray")
    tb = decorated_square()
    mu = np.linspace(-2, 1, 31)
    calcs = fcim_calculators(tb, mu, 0.05, 0.05)
    serial = runner.run(tb, calcs, 48, symmetry=True, max_fft=12)
    try:
        assert runner.start_parallel(2) == 2
        par = runner.run(tb, calcs, 48, symmetry=True, max_fft=12, parallel=True)
    finally:
        runner.stop_parallel()
    for key in serial:
        assert np.abs(serial[key] - par[key]).max() <= 1e-12 * np.abs(serial[key]).max()
