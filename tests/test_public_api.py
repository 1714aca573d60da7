"""The public API: every name flowsg.__all__ promises exists and is what the README lists."""

from __future__ import annotations

from pathlib import Path

import flowsg

ROOT = Path(__file__).resolve().parents[1]


def test_every_exported_name_exists() -> None:
    missing = [name for name in flowsg.__all__ if not hasattr(flowsg, name)]
    assert missing == []


def test_the_readme_documents_every_function() -> None:
    readme = (ROOT / "README.md").read_text()
    functions = [n for n in flowsg.__all__ if callable(getattr(flowsg, n)) and n.islower()]
    undocumented = [n for n in functions if f"`{n}(" not in readme and f"{n}(" not in readme]
    assert undocumented == []
