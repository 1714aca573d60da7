"""flowsg: what your AWS security groups actually do, from VPC Flow Logs, in DuckDB.

The library API. Every stage is a function over a DuckDB connection; the database is the state::

    import flowsg

    con = flowsg.connect("flowsg.duckdb")          # or ":memory:"
    flowsg.load(con, ["sample_logs/"])             # -> tables flows, malformed, files
    flowsg.load_snapshot(con, "sample_logs/snapshot")  # -> rules, interfaces, addresses, ...
    flowsg.attribute(con)                          # -> flows.verdict, ..., rule_usage
    print(flowsg.analyze_summary(con))
    con.sql("SELECT action, count(*) FROM flows GROUP BY action").show()
"""

from __future__ import annotations

__version__ = "0.1.0"

from .db import DEFAULT_DB, connect
from .errors import (
    AwsError,
    DatabaseError,
    FlowsgError,
    InputError,
    QuarantineError,
    SnapshotError,
    UsageError,
)
from .fields import DEFAULT_FORMAT, FIELDS, Field
from .ingest import MAX_LINE_BYTES, LoadResult, Progress, load, walk
from .logformat import LogFormat, parse_log_format
from .match import match
from .nacl import NaclDecision, nacl_decision, nacl_decisions
from .pipeline import AnalyzeResult, analyze
from .report import AnalyzeSummary, LoadSummary, analyze_summary, load_summary
from .report.explain import Explanation, explain
from .report.graph import SecurityGroupGraph, security_group_graph
from .report.html import html_report
from .report.rejects import rejects_with_noise, report_rejects, report_unexplained, scan_noise
from .report.rules import (
    covering_cidrs,
    egress_breakdown,
    group_evidence,
    report_rules,
    tightening,
)
from .report.timeline import records_over_time
from .report.whatif import whatif, whatif_caveats
from .snapshot import SnapshotResult, load_snapshot
from .sql import queries_dir
from .verdict import VERDICTS, AttributionResult, attribute, judge

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_FORMAT",
    "FIELDS",
    "MAX_LINE_BYTES",
    "VERDICTS",
    "AnalyzeResult",
    "AnalyzeSummary",
    "AttributionResult",
    "AwsError",
    "DatabaseError",
    "Explanation",
    "Field",
    "FlowsgError",
    "InputError",
    "LoadResult",
    "LoadSummary",
    "LogFormat",
    "NaclDecision",
    "Progress",
    "QuarantineError",
    "SecurityGroupGraph",
    "SnapshotError",
    "SnapshotResult",
    "UsageError",
    "__version__",
    "analyze",
    "analyze_summary",
    "attribute",
    "connect",
    "covering_cidrs",
    "egress_breakdown",
    "explain",
    "group_evidence",
    "html_report",
    "judge",
    "load",
    "load_snapshot",
    "load_summary",
    "match",
    "nacl_decision",
    "nacl_decisions",
    "parse_log_format",
    "queries_dir",
    "records_over_time",
    "rejects_with_noise",
    "report_rejects",
    "report_rules",
    "report_unexplained",
    "scan_noise",
    "security_group_graph",
    "tightening",
    "walk",
    "whatif",
    "whatif_caveats",
]
