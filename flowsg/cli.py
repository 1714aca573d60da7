"""The command line: parse options, call the library, render. The only module that imports click.

Errors are one line on stderr, ``flowsg: <what went wrong> (hint: <what to do>)``, and a
documented exit code (README, "Exit codes"); a traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence

import click

from . import __version__
from .db import DEFAULT_DB, connect
from .errors import FlowsgError
from .ingest import Progress, load
from .output import render_load_summary
from .report import load_summary

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    con = connect(database)
    try:
        result = load(con, paths, log_format=log_format, append=append, progress=_progress())
        summary = load_summary(con)
    finally:
        con.close()
    _clear_progress()
    click.echo(
        render_load_summary(
            summary, database=database, seconds=result.seconds, skipped=result.files_skipped
        )
    )


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
    """Entry point of the `flowsg` command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="flowsg", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "flowsg"
        _error(f"{exc.format_message()} (hint: see {command} --help)")
        return int(exc.exit_code)
    except click.Abort:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except FlowsgError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
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


def entry_point() -> None:
    sys.exit(main())
