"""Flow-log formats: a header line or a ``--log-format`` string, resolved to token positions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .errors import UsageError
from .fields import BY_NAME, DEFAULT_FORMAT, FIELDS, TRANSIT_GATEWAY_FIELDS

_NAME = re.compile(r"[a-z][a-z0-9-]*")
_AWS_SYNTAX = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class LogFormat:
    """The ordered field names of one flow-log format, as AWS writes them (``log-status``)."""

    names: tuple[str, ...]

    @cached_property
    def unknown(self) -> tuple[str, ...]:
        """Names neither known nor Transit Gateway fields (their tokens are skipped)."""
        return tuple(n for n in self.names if n not in BY_NAME and n not in TRANSIT_GATEWAY_FIELDS)

    @cached_property
    def duplicates(self) -> tuple[str, ...]:
        seen: set[str] = set()
        return tuple(n for n in self.names if n in seen or seen.add(n))  # type: ignore[func-returns-value]

    @property
    def is_transit_gateway(self) -> bool:
        return any(n in TRANSIT_GATEWAY_FIELDS for n in self.names)

    @property
    def text(self) -> str:
        return " ".join(self.names)

    def params(self) -> dict[str, Any]:
        """Bound parameters of ``ingest/split_lines`` and ``ingest/convert`` for this format."""
        position = {name: i + 1 for i, name in enumerate(self.names)}
        out: dict[str, Any] = {f"i_{f.column}": position.get(f.name, 0) for f in FIELDS}
        out["n_fields"] = len(self.names)
        out["tgw"] = self.is_transit_gateway
        out["columns"] = list(self.stored_columns)
        return out

    @cached_property
    def stored_columns(self) -> tuple[str, ...]:
        """The columns of flow_store a record of this format fills (``ingest/insert_flows``):
        its known fields, the numeric forms of its address fields, its file and line."""
        names = set(self.names)
        out: list[str] = []
        for f in FIELDS:
            if f.name in names:
                out.append(f.column)
                if f.kind == "ip":
                    out += [f"{f.column}_hi", f"{f.column}_lo"]
        return (*out, "file_id", "line_number")


DEFAULT = LogFormat(DEFAULT_FORMAT)


def parse_log_format(text: str) -> LogFormat:
    """Read AWS's ``--log-format`` syntax (``'${version} ${account-id} ...'``) or plain names.

    Every name must be a known field (or a Transit Gateway field): a format given by the user is
    checked strictly, unlike a header line found in a file.
    """
    names = _AWS_SYNTAX.findall(text) if "${" in text else text.split()
    leftover = _AWS_SYNTAX.sub(" ", text).strip() if "${" in text else ""
    if not names or leftover:
        raise UsageError(
            f"cannot read the log format {text!r}",
            "write it as AWS does: '${version} ${account-id} ${interface-id} ...'",
        )
    fmt = LogFormat(tuple(n.strip() for n in names))
    if fmt.unknown:
        raise UsageError(
            f"unknown field(s) in --log-format: {', '.join(fmt.unknown)}",
            "field names are AWS's, e.g. log-status, pkt-srcaddr; see the README's field list",
        )
    if fmt.duplicates:
        raise UsageError(f"field(s) given twice in --log-format: {', '.join(fmt.duplicates)}")
    return fmt


def header_format(line: str) -> LogFormat | None:
    """The format a line declares when it is a header line, else None.

    A header is a line of field-name-like words (lower case, digits, '-') at least one of which is
    a known field: a record never consists of field names only, even one whose values are all
    ids (``eni-0abc vpc-0def``), since ids are not field names.
    """
    words = line.rstrip("\r").strip(" ").split(" ")
    words = [w for w in words if w]  # fields are separated by runs of spaces, nothing else
    if not words or not all(_NAME.fullmatch(w) for w in words):
        return None
    if not any(w in BY_NAME or w in TRANSIT_GATEWAY_FIELDS for w in words):
        return None
    return LogFormat(tuple(words))
