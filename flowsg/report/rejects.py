"""Troubleshooting reports: the REJECTs (without the internet's scan noise), the scan noise on its
own, and the ACCEPTs no rule of the snapshot explains.

Every function reads the tables `flowsg analyze` left (flows with their verdicts, rules,
interfaces, interface_groups, addresses, security_groups) and returns a ``pyarrow.Table``. The
filters are optional and always bound as SQL parameters: ``group`` (a security group id: records
on interfaces that have it), ``interface`` (an interface id), ``since`` and ``until`` (records
whose start lies in [since, until): unix seconds, or a ``datetime``, naive meaning UTC).

Records are grouped by connection, seen from the interface: ``direction`` is ``ingress`` when the
remote address opened the connection, and ``port`` is the service port (the destination port of
a request). A REJECTed reply (a TCP SYN-ACK, or a blocked_elsewhere record explained by rules of
the other direction) therefore counts under its request's direction and port. ``first_seen`` and
``last_seen`` are UTC timestamps: the first start and the last end of the group's records.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .. import sql
from .filters import Time, check_known, to_seconds

"""A filter time: unix seconds, or a datetime (naive is UTC)."""

STOP_MARGIN = 600
"""Seconds: an unexplained group whose last record ends more than this before its interface's
last record (the longest flow-log aggregation interval) is said to have stopped."""

TOP_PORTS = 5
"""How many ports :func:`scan_noise` lists per interface."""


def report_rejects(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """REJECTed records grouped by interface, direction, protocol, port, remote address, verdict
    and reason, without the internet scan noise (see :func:`scan_noise`); most records first.

    Columns: interface_id, group_ids, group_names, direction, protocol, port, remote_address,
    remote_class (``interface``, ``private`` or ``public``), remote_interface (the interface of
    the snapshot owning the remote address), verdict, reason, records, first_seen, last_seen and
    smallest_fix (for ``no_rule`` requests from an interface of the snapshot or a private address:
    ``allow tcp 5432 ingress on sg-db from sg-web``, or ``... from 10.0.0.5/32``).
    """
    return rejects_with_noise(con, group=group, interface=interface, since=since, until=until)[0]


def scan_noise(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
    top: int = TOP_PORTS,
) -> pa.Table:
    """The internet scan noise :func:`report_rejects` leaves out, one row per interface.

    Noise: REJECTed ingress connections from public addresses (not an interface of the snapshot,
    not private) that no security group would have allowed (not ``blocked_elsewhere``), either to
    a port that no ingress rule of the interface's groups opens for any source, or from a source
    that sent such a probe among the selected records (a scanner).

    Columns: interface_id, group_ids, group_names, records, sources (distinct addresses), ports
    (distinct protocol and port pairs), top_ports (the ``top`` most probed, ``tcp 3389``),
    first_seen, last_seen; most records first.
    """
    return rejects_with_noise(
        con, group=group, interface=interface, since=since, until=until, top=top
    )[1]


def rejects_with_noise(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
    top: int = TOP_PORTS,
) -> tuple[pa.Table, pa.Table]:
    """:func:`report_rejects` and :func:`scan_noise` with the same filters, for a report that
    shows both: both are made from the same grouping of the REJECT records (a pass over every
    record, about 7 s at 100M records), which this runs once instead of twice."""
    if top < 0:
        raise ValueError("top must be 0 or more")
    check_known(con, group, interface)
    params = _filters(group, interface, since, until)
    sql.run(con, "report/rejects_groups", params).fetchall()
    rejects = sql.arrow_reader(con, "report/rejects_report").read_all()
    noise = sql.arrow_reader(con, "report/rejects_scan_noise", {"top": top}).read_all()
    return _timestamps(rejects), _timestamps(noise)


def report_unexplained(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """ACCEPTed records no rule of the snapshot explains (verdict ``unexplained``), grouped by
    interface, direction, protocol, port and remote address; most records first.

    Columns: interface_id, group_ids, group_names, direction, protocol, port, remote_address,
    records, replies (how many of the records are the connections' replies), first_seen,
    last_seen and hint. The hint says that the snapshot and the logs cover different times, or
    that a rule was removed while connections stayed tracked; when the group's records stop more
    than 10 minutes before its interface's last record it starts with ``stopped at HH:MM`` (UTC).
    """
    check_known(con, group, interface)
    params = _filters(group, interface, since, until)
    params["stop_margin"] = STOP_MARGIN
    reader = sql.arrow_reader(con, "report/unexplained_groups", params)
    return _timestamps(reader.read_all())


def _filters(
    group: str | None, interface: str | None, since: Time | None, until: Time | None
) -> dict[str, Any]:
    return {
        "group": group,
        "interface": interface,
        "since": to_seconds(since, "since"),
        "until": to_seconds(until, "until"),
    }


def _timestamps(table: pa.Table) -> pa.Table:
    """first_seen and last_seen, unix seconds in SQL, as UTC timestamps."""
    for name in ("first_seen", "last_seen"):
        index = table.schema.get_field_index(name)
        if index >= 0:
            column = pc.cast(table.column(name), pa.int64())
            table = table.set_column(index, name, pc.cast(column, pa.timestamp("s", tz="UTC")))
    return table
