"""The FlowsgError family: every error flowsg raises on purpose carries a hint and an exit code.

The CLI prints ``flowsg: <message> (hint: <hint>)`` on one line of stderr and exits with
``exit_code``; the exit codes are documented in the README.
"""

from __future__ import annotations


class FlowsgError(Exception):
    """Base of every error flowsg reports to its user."""

    exit_code = 1
    default_hint = "run with --debug to see where it happened"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})"


class QuarantineError(FlowsgError):
    """With ``--strict``: the run is done, but some input was quarantined (``malformed`` rows)."""

    exit_code = 1
    default_hint = "see the table `malformed` for each line or file and why it was not loaded"


class UsageError(FlowsgError):
    """The command line or an argument of a library call is wrong."""

    exit_code = 2
    default_hint = "see flowsg --help"


class InputError(FlowsgError):
    """A path does not exist, or nothing under the given paths could be read."""

    exit_code = 3
    default_hint = "check the paths; `malformed` in the database says why each file was not read"


class SnapshotError(FlowsgError):
    """The security-group snapshot is missing or invalid."""

    exit_code = 4
    default_hint = "point --snapshot at the JSON printed by the aws ec2 describe-* commands"


class DatabaseError(FlowsgError):
    """The DuckDB database cannot be opened, is in use, or a query on it failed."""

    exit_code = 5
    default_hint = "check --db: the file must be a DuckDB database that no other process has open"


class AwsError(FlowsgError):
    """AWS could not be asked (``flowsg snapshot``): no credentials, expired credentials, access
    denied, an unknown or disabled region, AWS unreachable."""

    exit_code = 6
    default_hint = "check the AWS credentials, the region and the network"
