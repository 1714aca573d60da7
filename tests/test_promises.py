"""The README's "What flowsg promises" names, for each promise, the tests that prove it: every
file and test it names must exist (a renamed or deleted test must not leave a promise unproved)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def promises_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## What flowsg promises", 1)[1].split("\n## ", 1)[0]


def functions_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_named_test_exists() -> None:
    rows = [line for line in promises_section().splitlines() if line.startswith("| **")]
    assert len(rows) >= 9
    named = 0
    for row in rows:
        current: Path | None = None
        for ref in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", row.split(" | ")[-1]):
            file, name = ref
            if file:
                current = ROOT / file
                assert current.is_file(), file
            if name:
                assert current is not None, row
                assert name in functions_of(current), f"{current.name}::{name}"
                named += 1
        assert current is not None, f"a promise without a test: {row[:60]}"
    assert named >= 25
