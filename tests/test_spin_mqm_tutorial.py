"""The spin-MQM tutorial notebook runs end to end (coarse meshes)."""
import os

from tests.notebooks import execute_notebook

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(HERE, "..", "tutorials", "spin_mqm_rashba.ipynb")


def test_spin_mqm_tutorial_executes():
    nb = execute_notebook(NOTEBOOK, timeout=300, env={"W90RESP_QUICK": "1"})
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "quick mode" in text
    assert "Mott relation" in text
