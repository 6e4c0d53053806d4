"""Execute a tutorial notebook in a kernel (used by the tutorial tests)."""
import os

import nbformat
from nbclient import NotebookClient


def execute_notebook(path, timeout=600, env=None):
    """Run every cell of ``path``; raises on the first failing cell.

    ``env`` entries are set as environment variables for the kernel (e.g.
    ``W90RESP_QUICK=1`` for coarse grids in the test suite).
    """
    nb = nbformat.read(path, as_version=4)
    old = {}
    for k, v in (env or {}).items():
        old[k] = os.environ.get(k)
        os.environ[k] = v
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb
