"""The command line: parse options, call the library, render. The only module that imports click.

Errors are one line on stderr, ``flowsg: <what went wrong> (hint: <what to do>)``, and a
documented exit code (README, "Exit codes"); a traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

import click

from . import __version__
from .db import DEFAULT_DB, connect
from .errors import FlowsgError, InputError
from .ingest import Progress, load, walk
from .logformat import parse_log_format
from .output import (
    render_analyze_summary,
    render_load_summary,
    summary_document,
    write_outputs,
)
from .pipeline import analyze
from .report import analyze_summary, load_summary

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


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
            traceback.print_exc()
        _error(str(exc))
        return exc.exit_code
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(hint: rerun with --debug and report the traceback)"
        )
        return EXIT_INTERNAL
    return 0


def _error(line: str) -> None:
    click.echo(f"flowsg: {' '.join(line.split())}", err=True)


@click.group(cls=FlowsgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsg")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """flowsg: what your AWS security groups actually do, from VPC Flow Logs."""


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
def load_command(
    paths: tuple[str, ...], log_format: str | None, database: str, append: bool
) -> None:
    """Read flow logs (files or directories; text, gzip or Parquet) into the database."""
    fmt = parse_log_format(log_format) if log_format else None
    walked = walk(paths)  # before the database is created: a wrong path must not leave one
    con = connect(database)
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
    help="Also write flows.parquet, rule_usage.parquet, malformed.parquet and summary.json here.",
)
def analyze_command(
    paths: tuple[str, ...],
    snapshot: str,
    log_format: str | None,
    database: str,
    out: str | None,
) -> None:
    """Attribute every flow record to the security-group rules that allowed it, or say why not."""
    fmt = parse_log_format(log_format) if log_format else None
    walked = walk(paths)
    if not os.path.exists(snapshot):
        raise InputError(f"no such snapshot: {snapshot}", "give --snapshot DIR")
    con = connect(database)
    try:
        result = analyze(con, walked, snapshot, log_format=fmt, progress=_progress())
        summary = analyze_summary(con)
        if out:
            write_outputs(con, out, summary_document(summary))
    finally:
        con.close()
    _clear_progress()
    click.echo(render_analyze_summary(summary, database=database, seconds=result.seconds))


def _progress() -> ProgressPrinter | None:
    return ProgressPrinter() if sys.stderr.isatty() else None


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
        name = p.current_file[-50:]
        sys.stderr.write(
            f"\r\x1b[Kloading: file {p.files_done + 1:,}/{p.files_total:,}, "
            f"{p.lines:,} lines so far {name}"
        )
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
