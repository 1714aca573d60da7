"""The sample scenario with hostile text in its snapshot, for the HTML report and graph tests.

The snapshot of sample_logs/ is copied and three values are replaced before `flowsg analyze`
runs, so that every rendering must escape them: a rule description that is a script, a rule
description full of quotes, backslashes and Graphviz escapes, and a group description and Name
tag that try to break out of an attribute. Everything else (verdicts, usage) stays the sample's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from flowsg.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"

SCRIPT = "<script>alert(1)</script>"
"""The description of the redundant rule SCRIPT_RULE."""
SCRIPT_RULE = "sgr-0429b1ff859771226"

QUOTES = 'RDP "legacy" \\N \\l C:\\temp & <b>bold</b> | `tick` #1 ; --'
"""The description of QUOTES_RULE (unused): quotes, backslashes, DOT and Mermaid syntax."""
QUOTES_RULE = "sgr-05c06dca1a6947566"

GROUP_DESCRIPTION = "Web servers <img src=x onerror=alert(2)>"
NAME_TAG = '"><svg onload=alert(3)>'
"""The description and Name tag of the web tier's group, WEB_TIER."""
WEB_TIER = "sg-071e4a6ac26585745"


def hostile_snapshot(folder: Path) -> Path:
    """A copy of the sample's snapshot in ``folder`` with the hostile values."""
    snapshot = folder / "snapshot"
    shutil.copytree(SAMPLE / "snapshot", snapshot)
    rules_file = snapshot / "describe-security-group-rules.json"
    rules = json.loads(rules_file.read_text())
    for rule in rules["SecurityGroupRules"]:
        if rule["SecurityGroupRuleId"] == SCRIPT_RULE:
            rule["Description"] = SCRIPT
        if rule["SecurityGroupRuleId"] == QUOTES_RULE:
            rule["Description"] = QUOTES
    rules_file.write_text(json.dumps(rules, indent=1))
    groups_file = snapshot / "describe-security-groups.json"
    groups = json.loads(groups_file.read_text())
    for group in groups["SecurityGroups"]:
        if group["GroupId"] == WEB_TIER:
            group["Description"] = GROUP_DESCRIPTION
            group["Tags"] = [{"Key": "Name", "Value": NAME_TAG}]
    groups_file.write_text(json.dumps(groups, indent=1))
    return snapshot


def hostile_database(folder: Path) -> Path:
    """`flowsg analyze` of the sample's logs against the hostile snapshot, into a database file
    in ``folder`` (through the CLI, as a user would)."""
    snapshot = hostile_snapshot(folder)
    db = folder / "hostile.duckdb"
    result = CliRunner().invoke(
        cli, ["analyze", str(SAMPLE), "--snapshot", str(snapshot), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return db
