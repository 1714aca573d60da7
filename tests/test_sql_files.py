"""The SQL in queries/: one statement per file, a header saying what it does, what it reads and
writes and its $named parameters; and no Python code formats values into SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from flowsg import queries_dir, sql

ROOT = Path(__file__).resolve().parents[1]
SQL_FILES = sorted(queries_dir().rglob("*.sql"))
NAMES = [str(p.relative_to(queries_dir()).with_suffix("")) for p in SQL_FILES]


def body(text: str) -> str:
    """The statement without comments and string literals."""
    return re.sub(r"'(?:[^']|'')*'|--[^\n]*", " ", text)


def test_queries_are_found_in_the_checkout() -> None:
    assert queries_dir() == ROOT / "queries"
    assert len(SQL_FILES) > 10


@pytest.mark.parametrize("name", NAMES)
def test_header_and_single_statement(name: str) -> None:
    text = sql.query(name)
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line)
    assert len(header) >= 2, "a header comment says what the statement does"
    head = "\n".join(header)
    assert "Reads:" in head and "Writes:" in head and "Params:" in head
    for param in sql.parameters(name):
        assert f"${param}" in head, f"${param} is used but not documented in the header"
    statements = [s for s in body(text).split(";") if s.strip()]
    assert len(statements) == 1, "one statement per file"


def test_parameters_ignore_literals_and_comments() -> None:
    assert "message" not in sql.parameters("ingest/split_lines")  # '$.message' is a JSON path
    assert "n_fields" in sql.parameters("ingest/split_lines")


def test_run_refuses_missing_parameters() -> None:
    import flowsg

    con = flowsg.connect(":memory:")
    with pytest.raises(TypeError, match="needs parameters"):
        sql.run(con, "report/load_reasons", {})


def formatted_sql_calls(tree: ast.AST) -> list[int]:
    """Line numbers of .execute()/.sql() calls whose SQL is built from an f-string, % or +."""
    bad = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "sql", "query")
            and node.args
            and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
        ):
            bad.append(node.lineno)
    return bad


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "flowsg").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT / "flowsg")),
)
def test_no_sql_is_formatted_in_python(path: Path) -> None:
    assert formatted_sql_calls(ast.parse(path.read_text())) == []
