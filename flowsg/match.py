"""Stage 3, match: which security-group rules match each record, in both directions.

Set-based SQL over distinct keys (``queries/match/``): records that share interface, protocol,
addresses, port classes (``port_class_list.sql``), flow-direction, action and TCP opening flags are
matched once (``keyed_flows.sql`` defines the key). Needs the tables of the ingest stage
(``flow_records``) and of the snapshot stage (``interfaces``, ``interface_groups``, ``addresses``,
``rules``, ``rule_peers``).
"""

from __future__ import annotations

import duckdb

from . import sql

STEPS = (
    "match/port_class_list",
    "match/reject_candidates",
    "match/reject_pairs",
    "match/keyed_flows",
    "match/flow_keys",
    "match/key_directions",
    "match/remote_peers",
    "match/key_matches",
)


def match(con: duckdb.DuckDBPyConnection) -> None:
    """Build the temporary tables flow_keys, key_directions, remote_peers and key_matches."""
    for step in STEPS:
        sql.run(con, step).fetchall()
