"""The MoSSe absolute-FCIM tutorial runs (coarse grids)."""
import os
import time

from tests.notebooks import execute_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def test_mosse_fcim_lab_tutorial_runs():
    t0 = time.time()
    execute_notebook(os.path.join(HERE, "..", "tutorials", "mosse_fcim_lab.ipynb"),
                     env={"W90RESP_QUICK": "1"})
    assert time.time() - t0 < 120
