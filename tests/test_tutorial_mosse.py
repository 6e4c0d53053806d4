"""The MoSSe tutorial runs end to end on a coarse grid."""
import os

from tests.notebooks import execute_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def test_mosse_notebook():
    nb = execute_notebook(os.path.join(HERE, "..", "tutorials", "mosse_fcim.ipynb"),
                          env={"W90RESP_QUICK": "1"})
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "156" in text and "C3v" in text
    assert text.count("C3v check: True") == 2
