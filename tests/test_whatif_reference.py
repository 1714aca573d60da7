"""Property test: `flowsg whatif` agrees with the brute-force reference on random cases.

The snapshots and records are those of the matcher's property test (test_matcher_reference.py);
the rules to remove are one to three of the snapshot's. What the README promises: the observed
`allowed` records whose matched rules are all among the removed ones, grouped by interface,
direction, remote address (srcaddr for ingress, dstaddr for egress), protocol and port (the
destination port, for TCP and UDP only), with records, packets and bytes (a missing value
counting 0), first start, last end and the removed rules they depended on. The reference's
answer comes from reference_matcher.evaluate, which knows nothing of flowsg. Some records are
logged again in other windows, so that a group holds several.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import reference_matcher as ref
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from test_matcher_reference import cases

import flowsg
from flowsg.report.whatif import whatif

Group = tuple[Any, ...]


def expected_groups(
    records: Sequence[Mapping[str, Any]], result: ref.Result, remove: set[str]
) -> dict[Group, tuple[Any, ...]]:
    groups: dict[Group, list[Any]] = {}
    for r, res in zip(records, result.records, strict=True):
        ids = set(res.matched_rule_ids)
        if res.verdict != "allowed" or not ids or not ids <= remove:
            continue
        remote = r["srcaddr"] if res.direction == "ingress" else r["dstaddr"]
        protocol = ref._int(r.get("protocol"))
        port = ref._int(r.get("dstport")) if protocol in (6, 17) else None
        key = (r["interface-id"], res.direction, remote, protocol, port)
        g = groups.setdefault(key, [0, 0, 0, None, None, set()])
        g[0] += 1
        g[1] += ref._int(r.get("packets")) or 0
        g[2] += ref._int(r.get("bytes")) or 0
        start, end = ref._int(r.get("start")), ref._int(r.get("end"))
        g[3] = start if g[3] is None else min(g[3], start)
        g[4] = end if g[4] is None else max(g[4], end)
        g[5] |= ids
    return {
        k: (n, p, b, first, last, sorted(rules))
        for k, (n, p, b, first, last, rules) in groups.items()
    }


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases(), st.data())
def test_whatif_agrees_with_the_reference(case: Any, data: st.DataObject) -> None:
    snap, records = case
    # the same flow logged again in other windows, so that groups hold several records
    repeated = st.lists(st.integers(0, len(records) - 1), max_size=6) if records else st.just([])
    for i in data.draw(repeated):
        start = ref.T0 + data.draw(st.integers(0, 7200))
        again = {**records[i], "start": start, "end": start + data.draw(st.integers(0, 600))}
        records = [*records, {**again, "packets": data.draw(st.sampled_from([None, 1, 500]))}]
    snapshot = ref.load_snapshot(snap.documents(), snap.entries())
    ids = sorted(rule.rule_id for rule in snapshot.rules)
    if not ids:
        return
    result = ref.evaluate(snapshot, records)
    # removing rules that carried traffic is the interesting case: draw from those first
    used = sorted(
        {i for res in result.records if res.verdict == "allowed" for i in res.matched_rule_ids}
    )
    remove = data.draw(
        st.lists(st.sampled_from(used or ids), min_size=1, max_size=3, unique=True)
        | st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)
    )
    note(f"remove {remove}")
    with tempfile.TemporaryDirectory() as tmp:
        log, snap_dir = ref.write_case(Path(tmp), snap.documents(), snap.entries(), records)
        con = flowsg.connect(":memory:")
        try:
            flowsg.load(con, [log])
            flowsg.load_snapshot(con, snap_dir)
            flowsg.attribute(con)
            rows = whatif(con, remove).to_pylist()
        finally:
            con.close()
    got = {
        (r["interface_id"], r["direction"], r["remote_address"], r["protocol"], r["port"]): (
            r["records"],
            r["packets"],
            r["bytes"],
            ref._epoch(r["first_seen"]),
            ref._epoch(r["last_seen"]),
            list(r["rules"]),
        )
        for r in rows
    }
    assert len(got) == len(rows), "one row per group"
    assert got == expected_groups(records, result, set(remove))
