"""flowsg's attribution of a generated VPC equals the brute-force reference's, record by record.

The hypothesis tests (test_matcher_reference.py) draw small random snapshots; this one takes the
benchmark generator's kind of VPC (benchmarks/generate.py): interfaces in subnets with several
groups each, rules that reference groups, prefix lists (IPv4 and IPv6), port ranges and "all"
rules, a network ACL, request and reply records with tcp-flags and flow-direction (custom format)
or without them (default format), REJECT noise and NODATA records. Every record's direction,
verdict and matched rules, and every rule's usage, must be the reference's
(tests/reference_matcher.py, pure Python over ``ipaddress``). flowsg reads the generated gzip files
themselves; the reference reads the same lines.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import reference_matcher as ref
from test_bench_smoke import _module

import flowsg

RECORDS = 12_000


@pytest.fixture(scope="module")
def vpc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    generate = _module("generate")
    root = tmp_path_factory.mktemp("vpc")
    spec = generate.Spec(RECORDS, interfaces=150, rules=1_000, records_per_file=5_000)
    manifest = generate.ensure(spec, root, quiet=True)
    return root, manifest


def _reference_snapshot(directory: Path) -> ref.Snapshot:
    documents, entries = [], {}
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if path.name.startswith("pl-"):
            entries[path.stem] = doc  # a prefix list's entries, named by its id
        else:
            documents.append(doc)
    return ref.load_snapshot(documents, entries)


def _records(paths: list[Path]) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
    """Each line as the reference's record (field names of the file's header, None for '-'),
    and where it is: (file, line number)."""
    records, where = [], []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            names = fh.readline().split()
            for number, line in enumerate(fh, start=2):
                values = line.split()
                records.append(
                    {n: None if v == "-" else v for n, v in zip(names, values, strict=True)}
                )
                where.append((str(path), number))
    return records, where


@pytest.mark.parametrize("flavour", ["default", "custom"])
def test_flowsg_judges_a_generated_vpc_as_the_reference_does(
    vpc: tuple[Path, dict[str, Any]], flavour: str
) -> None:
    root, manifest = vpc
    paths = [root / entry[flavour] for entry in manifest["files"]]
    records, where = _records(paths)
    assert len(records) == RECORDS
    want = ref.evaluate(_reference_snapshot(root / "snapshot"), records)

    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [str(p) for p in paths])
        flowsg.load_snapshot(con, root / "snapshot")
        flowsg.attribute(con)
        rows = con.execute(
            "SELECT source_file, line_number, direction, verdict, matched_rule_ids FROM flows"
        ).fetchall()
        usage_rows = con.execute(
            "SELECT rule_id, hits, sole_hits, return_hits, packets, bytes, first_seen, last_seen"
            " FROM rule_usage"
        ).fetchall()
    finally:
        con.close()
    got = {
        (str(Path(f)), line): (direction, verdict, sorted(ids or []))
        for f, line, direction, verdict, ids in rows
    }
    expected = {
        place: (r.direction, r.verdict, sorted(r.matched_rule_ids))
        for place, r in zip(where, want.records, strict=True)
    }
    assert got.keys() == expected.keys()
    differ = [
        (p, records[where.index(p)], expected[p], got[p]) for p in expected if got[p] != expected[p]
    ]
    assert differ[:5] == []

    # The case is worth checking: every verdict but unknown_interface (the generator's records
    # are all of its interfaces), many rules used, and records matched by more than one rule (the
    # union over the interface's groups).
    verdicts = Counter(r.verdict for r in want.records)
    assert set(verdicts) == set(ref.VERDICTS) - {"unknown_interface"}
    assert sum(1 for r in want.records if len(r.matched_rule_ids) > 1) > 0
    used = {rid for rid, u in want.usage.items() if u.hits}
    assert len(used) >= 50

    got_usage = {
        str(rid): ref.Usage(hits, sole, ret, packets, nbytes, ref._epoch(first), ref._epoch(last))
        for rid, hits, sole, ret, packets, nbytes, first, last in usage_rows
    }
    assert got_usage == want.usage
