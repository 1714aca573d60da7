"""The command line: parse options, call the library, render. The only module that imports click.

Errors are one line on stderr, ``flowsg: <what went wrong> (hint: <what to do>)``, and a
documented exit code (README, "Exit codes"); a traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import click
import duckdb
import pyarrow as pa

from . import __version__
from .db import DEFAULT_DB, SPILL_HINT, connect, require_analysis
from .errors import DatabaseError, FlowsgError, InputError, QuarantineError
from .files import not_utf8, printable
from .hold import hold, requested
from .ingest import Progress, ProgressCallback, WalkResult, load, walk
from .logformat import LogFormat, parse_log_format
from .output import (
    FORMATS,
    check_out_folder,
    render_analyze_summary,
    render_load_summary,
    render_rejects,
    render_rules,
    render_snapshot_manifest,
    render_table,
    summary_document,
    write_outputs,
    write_text_atomic,
)
from .pipeline import analyze
from .report import LoadSummary, analyze_summary, load_summary
from .report.explain import explain
from .report.graph import GRAPH_FORMATS, LAYOUTS, render_graph, security_group_graph
from .report.html import html_report
from .report.rejects import rejects_with_noise, report_unexplained
from .report.rules import (
    TIGHTENING_COLUMNS,
    egress_breakdown,
    egress_summary,
    rules_with_evidence,
    tightening,
)
from .report.whatif import SAFE, rule_ids, whatif, whatif_caveats
from .snapshot import snapshot_time_warning
from .sources import SourceOptions

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
MAX_THREADS = 1024
"""--threads above this is a usage error (DuckDB would start them all: 3,000 took 6 s to load the
sample, 100,000 never finished)."""


class FlowsgGroup(click.Group):
    """A click group that turns every error into one line on stderr and a documented exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> int:
        argv = list(sys.argv[1:] if args is None else args)
        code = _run(self, argv, prog_name or "flowsg", complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code


def _run(
    group: click.Group,
    argv: list[str],
    prog_name: str,
    complete_var: str | None,
    extra: dict[str, Any],
) -> int:
    debug = "--debug" in argv
    garbled = next((arg for arg in argv if not_utf8(arg)), None)
    if garbled is not None:  # DuckDB, Arrow and the database hold UTF-8 text only
        _error(
            f"an argument is not valid UTF-8: {printable(garbled)!r} (hint: give names and "
            "values in UTF-8; a file whose name is not is read only after renaming it)"
        )
        return 2
    try:
        click.Group.main(group, argv, prog_name, complete_var, standalone_mode=False, **extra)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else prog_name
        _error(f"{exc.format_message()} (hint: see {command} --help)")
        return int(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        _error("interrupted")
        return EXIT_INTERRUPTED
    except FlowsgError as exc:
        if debug:
            _traceback()
        _error(str(exc))
        return exc.exit_code
    except duckdb.OutOfMemoryException as exc:  # wherever it strikes: the machine's, not a bug
        if debug:
            _traceback()
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "out of memory"
        error = DatabaseError(
            f"DuckDB ran out of memory: {text}",
            "give DuckDB more memory (--memory-limit) or fewer threads (--threads); DuckDB"
            " spills to --temp-dir beyond the limit, but not every step can",
        )
        _error(str(error))
        return error.exit_code
    except duckdb.IOException as exc:  # not a bug either: a disk full, a folder not writable
        if debug:
            _traceback()
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "I/O error"
        error = DatabaseError(f"DuckDB could not read or write a file: {text}", SPILL_HINT)
        _error(str(error))
        return error.exit_code
    except Exception as exc:
        if debug:
            _traceback()
        _error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(hint: rerun with --debug and report the traceback)"
        )
        return EXIT_INTERNAL
    return 0


def _error(line: str) -> None:
    click.echo(f"flowsg: {' '.join(_redacted(line).split())}", err=True)


def _traceback() -> None:
    click.echo(_redacted(traceback.format_exc()), err=True, nl=False)


SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_SECURITY_TOKEN")  # fmt: skip
"""Environment variables whose values never reach stderr (nor anything else flowsg writes)."""


def _redacted(text: str) -> str:
    """Text for stderr with the values of the AWS credential variables replaced by their names:
    an error quoted from a server or a library (a message echoing a request's headers) could
    hold them."""
    for name in SECRET_VARIABLES:
        value = os.environ.get(name, "")
        if len(value) >= 8:
            text = text.replace(value, f"<{name}>")
    return text


@click.group(cls=FlowsgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsg")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """flowsg: what your AWS security groups actually do, from VPC Flow Logs."""


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """A point in time: ISO 8601 (UTC unless it says otherwise) or unix seconds."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(
                f"{text!r} is not a time: use 2026-11-02T09:40 (UTC) or unix seconds", param, ctx
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())


def source_options(command: Callable[..., None]) -> Callable[..., None]:
    """--since, --until (files by their date path, events by time), --cache, and the AWS session
    of s3:// and cwl:// paths: --profile, --region, --role-arn."""
    for option in reversed(
        [
            click.option(
                "--since",
                type=TimeParam(),
                help="Only files whose date path (…/YYYY/MM/DD/, year=…/month=…/day=…/hour=…/)"
                " may hold records starting at or after this time, and CloudWatch Logs events"
                " from it. ISO 8601 (UTC) or unix seconds.",
            ),
            click.option("--until", type=TimeParam(), help="Likewise, records starting before."),
            click.option(
                "--cache",
                metavar="DIR",
                type=click.Path(path_type=str, file_okay=False),
                help="Keep the S3 objects fetched as DIR/BUCKET/KEY; unchanged ones (same size"
                " and ETag) are not fetched again.",
            ),
            click.option("--profile", metavar="NAME", help="AWS profile for s3:// and cwl://."),
            click.option(
                "--region", metavar="REGION", help="AWS region for s3:// and cwl:// paths."
            ),
            click.option("--role-arn", metavar="ARN", help="Assume this IAM role to read them."),
        ]
    ):
        command = option(command)
    return command


def _sources(
    fmt: LogFormat | None,
    since: int | None,
    until: int | None,
    cache: str | None,
    profile: str | None,
    region: str | None,
    role_arn: str | None,
) -> SourceOptions:
    if since is not None and until is not None and until <= since:
        raise click.BadParameter("--until must be after --since", param_hint="--until")
    return SourceOptions(
        since=since,
        until=until,
        cache=cache,
        profile=profile,
        region=region,
        role_arn=role_arn,
        log_format=fmt,
    )


def _walk(paths: Sequence[str], sources: SourceOptions) -> WalkResult:
    """The files to read (before the database is created: a wrong path must not leave one),
    with a line on stderr for every warning of the walk."""
    walked = walk(paths, sources=sources)
    for warning in walked.warnings:
        _message(f"warning: {warning}")
    return walked


def strict_option(command: Callable[..., None]) -> Callable[..., None]:
    """--strict: exit 1 when some input was quarantined."""
    return click.option(
        "--strict",
        is_flag=True,
        help="Exit with 1 (after doing everything) when some input was quarantined (see the"
        " table `malformed`).",
    )(command)


def _check_strict(strict: bool, summary: LoadSummary, database: str) -> None:
    """With --strict, a run that quarantined any line or file ends with exit code 1."""
    lines, files = summary.malformed_lines, len(summary.file_problems)
    if strict and (lines or files):
        raise QuarantineError(
            f"--strict: {lines:,} line(s) and {files:,} file(s) were quarantined",
            f"see the table `malformed` in {database} for each one and why",
        )


def engine_options(
    command: Callable[..., None], *, for_reports: bool = False
) -> Callable[..., None]:
    """--threads, --memory-limit and --temp-dir, passed to DuckDB. A report's command does not
    take them as arguments: :func:`_analysis` reads them from the click context."""
    exposed: dict[str, Any] = (
        {"expose_value": False, "callback": _keep_engine_setting} if for_reports else {}
    )
    default_spill = (
        "a folder of its own in $TMPDIR or /tmp"
        if for_reports
        else "a folder of its own in $TMPDIR or /tmp with --db :memory:, FILE.tmp beside a"
        " database file"
    )
    command = click.option(
        "--temp-dir",
        metavar="DIR",
        type=click.Path(path_type=str),
        help=f"Where DuckDB spills beyond --memory-limit (default: {default_spill}).",
        **exposed,
    )(command)
    command = click.option(
        "--memory-limit",
        metavar="SIZE",
        help="Memory DuckDB may use before it spills to disk, e.g. 4GB (default: 75% of RAM, or of"
        " the container's limit when that is less).",
        **exposed,
    )(command)
    return click.option(
        "--threads",
        type=click.IntRange(min=1, max=MAX_THREADS),
        metavar="N",
        help=f"Threads DuckDB may use, 1-{MAX_THREADS} (default: every core).",
        **exposed,
    )(command)


_ENGINE = "flowsg.engine"
"""Key of the click context's meta that holds a report's --threads, --memory-limit, --temp-dir."""


def _keep_engine_setting(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(_ENGINE, {})[param.name] = value
    return value


@cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--log-format",
    metavar="FORMAT",
    help="Format of files without a header line, in AWS's syntax: '${version} ${account-id} ...'."
    " Default: the version 2 default format.",
)
@click.option(
    "--db",
    "database",
    default=DEFAULT_DB,
    show_default=True,
    metavar="FILE",
    help="DuckDB database to load into (':memory:' for none).",
)
@click.option("--append", is_flag=True, help="Add to the tables instead of replacing them.")
@source_options
@strict_option
@engine_options
def load_command(
    paths: tuple[str, ...],
    log_format: str | None,
    database: str,
    append: bool,
    since: int | None,
    until: int | None,
    cache: str | None,
    profile: str | None,
    region: str | None,
    role_arn: str | None,
    strict: bool,
    threads: int | None,
    memory_limit: str | None,
    temp_dir: str | None,
) -> None:
    """Read flow logs (files or directories; text, gzip or Parquet; s3://BUCKET/PREFIX/,
    cwl://LOG_GROUP[/STREAM_PREFIX] with flowsg[aws]) into the database."""
    fmt = parse_log_format(log_format) if log_format else None
    sources = _sources(fmt, since, until, cache, profile, region, role_arn)
    walked = _walk(paths, sources)
    con = connect(database, threads=threads, memory_limit=memory_limit, temp_directory=temp_dir)
    try:
        result = load(con, walked, log_format=fmt, append=append, progress=_progress())
        summary = load_summary(con)
    finally:
        con.close()
    _clear_progress()
    click.echo(
        render_load_summary(
            summary, database=database, seconds=result.seconds, skipped=result.files_skipped
        )
    )
    _check_strict(strict, summary, database)


@cli.command("analyze")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--snapshot",
    required=True,
    metavar="DIR",
    type=click.Path(path_type=str),
    help="Folder of the JSON printed by aws ec2 describe-security-groups,"
    " describe-security-group-rules,"
    " describe-network-interfaces, describe-network-acls, describe-managed-prefix-lists and"
    " get-managed-prefix-list-entries.",
)
@click.option(
    "--log-format",
    metavar="FORMAT",
    help="Format of files without a header line, in AWS's syntax: '${version} ${account-id} ...'.",
)
@click.option(
    "--db",
    "database",
    default=DEFAULT_DB,
    show_default=True,
    metavar="FILE",
    help="DuckDB database to keep every table in (':memory:' for none).",
)
@click.option(
    "--out",
    metavar="DIR",
    type=click.Path(path_type=str, file_okay=False),
    help="Also write flows.parquet, rule_usage.parquet, malformed.parquet and summary.json into"
    " this folder (replaced as a whole: new, empty, or an earlier --out).",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Who reads and attributes the flow logs: DuckDB on this machine, or Apache Spark (needs"
    " flowsg[spark] and Java; paths may be s3a:// URIs). With Spark, the records reach --db"
    " (through the driver) only when it is a file; give --db :memory: on a cluster.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="Spark master for --engine spark, e.g. local[2], yarn, spark://HOST:7077 (default: the"
    " running session's under spark-submit, else local[*]).",
)
@source_options
@strict_option
@engine_options
def analyze_command(
    paths: tuple[str, ...],
    snapshot: str,
    log_format: str | None,
    database: str,
    out: str | None,
    since: int | None,
    until: int | None,
    cache: str | None,
    profile: str | None,
    region: str | None,
    role_arn: str | None,
    strict: bool,
    threads: int | None,
    memory_limit: str | None,
    temp_dir: str | None,
    engine: str,
    spark_master: str | None,
) -> None:
    """Attribute every flow record to the security-group rules that allowed it, or say why not."""
    fmt = parse_log_format(log_format) if log_format else None
    sources = _sources(fmt, since, until, cache, profile, region, role_arn)
    if engine == "spark":
        _check_spark(paths, spark_master, cache, profile, region, role_arn)
        walked = None
    else:
        if spark_master is not None:
            raise click.BadParameter("needs --engine spark", param_hint="--spark-master")
        walked = _walk(paths, sources)
    on_spark = walked is None  # with Spark, --snapshot and --out may be s3a:// URIs too
    if not (on_spark and "://" in snapshot) and not os.path.exists(snapshot):
        raise InputError(f"no such snapshot: {snapshot}", "give --snapshot DIR")
    if out and not (on_spark and "://" in out):
        check_out_folder(out)  # before the work, not after it
    con = connect(database, threads=threads, memory_limit=memory_limit, temp_directory=temp_dir)
    try:
        if walked is None:
            from .spark import run as spark_run

            result: Any = spark_run.analyze(
                con,
                paths,
                snapshot,
                log_format=fmt,
                master=spark_master,
                since=since,
                until=until,
                out=out,
                keep=database != ":memory:",  # the records reach the driver only for a --db FILE
            )
            summary = result.summary
        else:
            result = analyze(con, walked, snapshot, log_format=fmt, progress=_progress())
            summary = analyze_summary(con)
            if out:
                write_outputs(con, out, summary_document(summary))
    finally:
        con.close()
    _clear_progress()
    click.echo(render_analyze_summary(summary, database=database, seconds=result.seconds))
    warning = snapshot_time_warning(
        result.snapshot.taken_at, summary.load.first_start, summary.load.last_end
    )
    if warning:
        _message(f"warning: {warning}")
    _check_strict(strict, summary.load, database)


@cli.command("spark-submit-script")
@click.option(
    "--out",
    metavar="FILE",
    type=click.Path(path_type=str, dir_okay=False),
    help="Write the script to FILE (default: stdout).",
)
def spark_submit_script_command(out: str | None) -> None:
    """Print the driver script that runs flowsg under spark-submit (EMR) or as a Glue job."""
    from .spark.__main__ import DRIVER

    if out is None:
        click.echo(DRIVER, nl=False)
    else:
        write_text_atomic(out, DRIVER)
        _message(f"wrote {out}")


def _check_spark(
    paths: Sequence[str],
    master: str | None,
    cache: str | None,
    profile: str | None,
    region: str | None,
    role_arn: str | None,
) -> None:
    """--engine spark: the extra is installed, the options are Spark's, local paths exist (before
    the database is created)."""
    from .spark.session import require_spark

    require_spark()
    given = [("--cache", cache), ("--profile", profile), ("--region", region)]
    given.append(("--role-arn", role_arn))
    for option, value in given:
        if value is not None:
            raise click.BadParameter(
                "is for --engine duckdb: Spark reads s3a:// with the cluster's credentials"
                " (fs.s3a.* settings)",
                param_hint=option,
            )
    if master is not None and not master.strip():
        raise click.BadParameter("must not be empty", param_hint="--spark-master")
    for path in paths:
        if path.lower().startswith("cwl://"):
            raise click.BadParameter(
                f"{path}: --engine spark reads files and s3a:// URIs, not CloudWatch Logs",
                param_hint="PATH",
            )
        if "://" not in path and not os.path.lexists(path):
            raise InputError(f"no such file or directory: {printable(path)}", "check the path")


@cli.command("snapshot")
@click.option(
    "--out",
    required=True,
    metavar="DIR",
    type=click.Path(path_type=str, file_okay=False),
    help="Folder to write (replaced atomically when it holds an earlier snapshot).",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="REGION",
    help="A region to read (repeatable). Default: the profile's or environment's region.",
)
@click.option("--profile", metavar="NAME", help="The AWS profile to use (default: as the AWS CLI).")
@click.option("--role-arn", metavar="ARN", help="Assume this IAM role first (another account).")
def snapshot_command(
    out: str, regions: tuple[str, ...], profile: str | None, role_arn: str | None
) -> None:
    """Read security groups, rules, interfaces, network ACLs and prefix lists from AWS (needs
    flowsg[aws]) into the folder that `flowsg analyze --snapshot DIR` reads."""
    from .aws.snapshot import take_snapshot

    manifest = take_snapshot(out, regions=regions or None, profile=profile, role_arn=role_arn)
    for warning in manifest.warnings:
        _message(f"warning: {warning}")
    click.echo(render_snapshot_manifest(manifest))


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """--db, --format and the engine's options, shared by every report."""
    command = engine_options(command, for_reports=True)
    command = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table: aligned text; csv, json, markdown: for other tools.",
    )(command)
    return click.option(
        "--db",
        "database",
        default=DEFAULT_DB,
        show_default=True,
        metavar="FILE",
        help="The database `flowsg analyze` left.",
    )(command)


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """--group, --interface, --since and --until (bound as SQL parameters)."""
    for option in reversed(
        [
            click.option("--group", metavar="SG_ID", help="Only this security group (sg-…)."),
            click.option("--interface", metavar="ENI_ID", help="Only this interface (eni-…)."),
            click.option("--since", type=TimeParam(), help="Records starting at or after."),
            click.option("--until", type=TimeParam(), help="Records starting before."),
        ]
    ):
        command = option(command)
    return command


@contextlib.contextmanager
def _analysis(database: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The database `flowsg analyze` left, read-only, closed afterwards (also when it holds no
    analysis and require_analysis raises)."""
    engine = click.get_current_context().meta.get(_ENGINE, {})
    con = connect(
        database,
        read_only=True,
        threads=engine.get("threads"),
        memory_limit=engine.get("memory_limit"),
        temp_directory=engine.get("temp_dir"),
    )
    try:
        require_analysis(con, database)
        yield con
    finally:
        con.close()


@cli.group("report")
def report_group() -> None:
    """Reports on the database `flowsg analyze` left: rules, tighten, egress, rejects,
    unexplained, graph, and all of them in one HTML page."""


_UNEXPLAINED_COLUMNS = (
    "interface_id", "direction", "protocol", "port", "remote_address", "records", "replies",
    "last_seen", "hint",
)  # fmt: skip


def _narrow(table: pa.Table, fmt: str, columns: tuple[str, ...]) -> pa.Table:
    """The columns that fit a terminal for --format table; every column for the others."""
    return table.select(list(columns)) if fmt == "table" else table


@report_group.command("rejects")
@filter_options
@report_options
def report_rejects_command(
    group: str | None,
    interface: str | None,
    since: int | None,
    until: int | None,
    database: str,
    fmt: str,
) -> None:
    """REJECTs grouped by interface, direction, port and remote address, with the smallest fix;
    internet scan noise summarised apart."""
    with _analysis(database) as con:
        rejects, noise = rejects_with_noise(
            con, group=group, interface=interface, since=since, until=until
        )
    if rejects.num_rows == 0:
        _message("no rejected records outside internet scan noise")
    click.echo(render_rejects(rejects, noise, fmt), nl=False)


@report_group.command("unexplained")
@filter_options
@report_options
def report_unexplained_command(
    group: str | None,
    interface: str | None,
    since: int | None,
    until: int | None,
    database: str,
    fmt: str,
) -> None:
    """Accepted records that no rule of the snapshot explains, grouped, with a hint."""
    with _analysis(database) as con:
        table = report_unexplained(con, group=group, interface=interface, since=since, until=until)
    if table.num_rows == 0:
        _message("no unexplained records: every ACCEPT is explained by a rule of the snapshot")
    click.echo(render_table(_narrow(table, fmt, _UNEXPLAINED_COLUMNS), fmt), nl=False)


def database_option(command: Callable[..., None]) -> Callable[..., None]:
    """--db and the engine's options, for the reports that have their own formats (html,
    graph)."""
    command = engine_options(command, for_reports=True)
    return click.option(
        "--db",
        "database",
        default=DEFAULT_DB,
        show_default=True,
        metavar="FILE",
        help="The database `flowsg analyze` left.",
    )(command)


def layout_option(command: Callable[..., None]) -> Callable[..., None]:
    """--layout: who lays out the security-group graph's SVG."""
    return click.option(
        "--layout",
        type=click.Choice(LAYOUTS),
        default="auto",
        show_default=True,
        help="Lay the graph out with Graphviz's dot (auto: when it is on PATH) or flowsg's own"
        " layout (builtin).",
    )(command)


def _write_document(out: str | None, text: str) -> None:
    """A document on stdout (no --out, or '-'), else written atomically to the file, with one
    line on stderr saying so."""
    if out is None or out == "-":
        click.echo(text, nl=False)
        return
    target = write_text_atomic(out, text)
    _message(f"wrote {target} ({len(text.encode('utf-8')) / 1024:,.0f} KiB)")


@report_group.command("html")
@click.option(
    "--out",
    required=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="The HTML file to write (replaced atomically); '-' for stdout.",
)
@layout_option
@database_option
def report_html_command(out: str, layout: str, database: str) -> None:
    """The review report as one self-contained HTML page: summary, every group's rules with
    their usage and status, tightening, rejects, records over time and the security-group
    graph."""
    with _analysis(database) as con:
        document = html_report(con, layout=layout)
    _write_document(out, document)


@report_group.command("graph")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    default="svg",
    show_default=True,
    help="svg: a picture; dot: Graphviz's language; mermaid: a Mermaid flowchart.",
)
@click.option(
    "--out",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write to this file (replaced atomically) instead of stdout.",
)
@click.option("--group", metavar="SG_ID", help="Only this group, its edges and their other ends.")
@click.option("--since", type=TimeParam(), help="Records starting at or after.")
@click.option("--until", type=TimeParam(), help="Records starting before.")
@layout_option
@database_option
def report_graph_command(
    fmt: str,
    out: str | None,
    group: str | None,
    since: int | None,
    until: int | None,
    layout: str,
    database: str,
) -> None:
    """The security-group graph: groups (with their interfaces), the rules between them and
    their peers, edge width by the traffic allowed, unused rules dashed, REJECT hot spots red."""
    with _analysis(database) as con:
        graph = security_group_graph(con, group=group, since=since, until=until)
        text = render_graph(graph, fmt, layout)
    _write_document(out, text)


@cli.command("explain")
@click.argument("src")
@click.argument("dst")
@click.argument("port", required=False, type=click.IntRange(0, 65535))
@click.option(
    "--protocol",
    default="tcp",
    show_default=True,
    metavar="P",
    help="tcp, udp, icmp, icmpv6 or a protocol number.",
)
@report_options
def explain_command(
    src: str, dst: str, port: int | None, protocol: str, database: str, fmt: str
) -> None:
    """One connection end to end: security groups and network ACLs on the way there and back,
    the records observed for it, a conclusion and the smallest fix."""
    with _analysis(database) as con:
        explanation = explain(con, src, dst, port, protocol)
    if fmt == "table":
        click.echo(explanation.render())
    elif fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2, default=str))
    else:
        click.echo(render_table(explanation.steps_table(), fmt), nl=False)


@report_group.command("rules")
@filter_options
@report_options
def report_rules_command(
    group: str | None,
    interface: str | None,
    since: int | None,
    until: int | None,
    database: str,
    fmt: str,
) -> None:
    """Cleanup: every rule with its hits, sole hits and status (used, redundant, unused, no
    evidence, unresolvable); then, per group, the evidence behind it."""
    with _analysis(database) as con:
        rules, evidence = rules_with_evidence(
            con, group=group, interface=interface, since=since, until=until
        )
    click.echo(render_rules(rules, evidence, fmt), nl=False)


@report_group.command("tighten")
@filter_options
@report_options
def report_tighten_command(
    group: str | None,
    interface: str | None,
    since: int | None,
    until: int | None,
    database: str,
    fmt: str,
) -> None:
    """Cleanup: used rules far broader than their traffic, exposure to the internet first, with
    a narrower rule built from the traffic actually allowed."""
    with _analysis(database) as con:
        table = tightening(con, group=group, interface=interface, since=since, until=until)
    if table.num_rows == 0:
        _message("nothing to tighten: every used rule is as narrow as its traffic")
    if fmt != "table":
        click.echo(render_table(table, fmt), nl=False)
        return
    rows = table.to_pylist()
    shown = table.select([c for c in TIGHTENING_COLUMNS if c != "suggestion"])
    click.echo(render_table(shown, fmt), nl=False)
    if rows:
        click.echo("\nSuggestions\n")
        for row in rows:
            click.echo(f"  {row['rule_id']} ({row['group_name']}):")
            for line in textwrap.wrap(row["suggestion"] or "-", 96):
                click.echo(f"      {line}")


@report_group.command("egress")
@click.argument("rule_id")
@click.option("--interface", metavar="ENI_ID", help="Only this interface (eni-…).")
@click.option("--since", type=TimeParam(), help="Records starting at or after.")
@click.option("--until", type=TimeParam(), help="Records starting before.")
@report_options
def report_egress_command(
    rule_id: str,
    interface: str | None,
    since: int | None,
    until: int | None,
    database: str,
    fmt: str,
) -> None:
    """The egress an (all-traffic) egress rule actually carried, by destination class and port:
    the basis for a narrower egress set."""
    with _analysis(database) as con:
        table = egress_breakdown(con, rule_id, interface=interface, since=since, until=until)
    click.echo(render_table(table, fmt), nl=False)
    if fmt == "table" and table.num_rows:
        click.echo("\nNarrower egress: " + egress_summary(table.to_pylist()))


@cli.command("whatif")
@click.option(
    "--remove",
    "remove",
    required=True,
    multiple=True,
    metavar="RULE_ID[,RULE_ID...]",
    help="The rules to take away (repeat the option or separate ids with commas).",
)
@report_options
def whatif_command(remove: tuple[str, ...], database: str, fmt: str) -> None:
    """Replay the observed traffic without some rules: the allowed flows that would lose every
    rule permitting them, or 'safe' when none would."""
    with _analysis(database) as con:
        ids = rule_ids(remove)
        table = whatif(con, ids)
        caveats = whatif_caveats(con, ids)
    for caveat in caveats:
        _message(caveat)
    if table.num_rows == 0:
        if fmt == "table":
            click.echo(SAFE)
            return
        _message(SAFE)
    click.echo(render_table(table, fmt), nl=False)


def _message(text: str) -> None:
    """A message for the person, on stderr (stdout carries data only)."""
    click.echo(f"flowsg: {_redacted(text)}", err=True)


def _progress() -> ProgressCallback | None:
    printer = ProgressPrinter() if sys.stderr.isatty() else None
    if not requested("load"):
        return printer

    def progress(p: Progress) -> None:  # tests only: pause after the first file (flowsg.hold)
        if p.stage == "load" and p.files_done == 1:
            hold("load")
        if printer:
            printer(p)

    return progress


class ProgressPrinter:
    """Progress on stderr, shown only once a load has taken more than two seconds."""

    delay = 2.0

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.shown = False

    def __call__(self, p: Progress) -> None:
        if time.monotonic() - self.began < self.delay:
            return
        self.shown = True
        if p.stage == "load":
            text = (
                f"loading: file {min(p.files_done + 1, p.files_total):,}/{p.files_total:,}, "
                f"{p.lines:,} lines so far {p.current_file[-50:]}"
            )
        else:
            text = f"{p.stage}: {p.lines:,} lines from {p.files_total:,} files read"
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()


def _clear_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `flowsg` command with argv (default: sys.argv[1:]); return the exit code."""
    return int(cli.main(args=argv, standalone_mode=False))


def entry_point() -> None:
    """The `flowsg` console script."""
    sys.exit(main())
