"""The notebooks run: every code cell of every notebook in notebooks/, in order, in one namespace,
from the repository root (the way a user opens them), without a Jupyter server; matplotlib draws
off screen. They are committed without outputs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

EXPECTED = {
    "01_load_and_explore.ipynb": {"names": ["summary", "attribution"], "figures": 0},
    "02_incident_and_cleanup.ipynb": {
        "names": ["summary", "incident_fix", "rules", "tight", "graph", "page"],
        "figures": 2,
    },
}
"""What each notebook leaves behind: names it defines and at least how many matplotlib figures."""


def test_there_are_the_notebooks() -> None:
    assert sorted(p.name for p in NOTEBOOKS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["id"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # what a notebook writes goes here
    plt.close("all")
    cells = json.loads(path.read_text())["cells"]
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    try:
        for number, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            exec(compile(source, f"{path.name}[cell {number}]", "exec"), namespace)
        expected = EXPECTED[path.name]
        for name in expected["names"]:
            assert name in namespace, name
        assert len(plt.get_fignums()) >= expected["figures"]
    finally:
        plt.close("all")
