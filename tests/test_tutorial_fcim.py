"""The FCIM tutorial runs end to end on coarse grids."""
import os

from tests.notebooks import execute_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def test_fcim_models_notebook(tmp_path):
    path = os.path.join(HERE, "..", "tutorials", "fcim_models.ipynb")
    nb = execute_notebook(path, env={"W90RESP_QUICK": "1"})
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "D3h check: True" in text
    assert "f_xx^xy" in text
