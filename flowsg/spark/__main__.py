"""``python -m flowsg.spark``: flowsg's command line as a Spark driver program, for spark-submit
(EMR) and Glue jobs. ``analyze`` runs with ``--engine spark`` and ``--db :memory:`` unless told
otherwise, on the session spark-submit or Glue provides (its master and settings).

* spark-submit: ``spark-submit --master yarn DRIVER.py analyze s3a://.../AWSLogs/ --snapshot
  s3a://.../snapshot/ --out s3a://.../flowsg-out/``, where DRIVER.py is what
  ``flowsg spark-submit-script`` writes (it calls :func:`main`).
* Glue: the same file as the job's script, and the flowsg arguments as one job parameter,
  ``--flowsg-args 'analyze s3a://... --snapshot s3a://... --out s3a://...'`` (Glue adds arguments
  of its own to the command line, which flowsg leaves alone).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

GLUE_ARGUMENT = "--flowsg-args"

DRIVER = '''"""flowsg as a Spark driver program (written by `flowsg spark-submit-script`).

spark-submit:  spark-submit --master yarn THIS_FILE analyze s3a://BUCKET/AWSLogs/ \\\\
                   --snapshot s3a://BUCKET/snapshot/ --db :memory: --out s3a://BUCKET/flowsg-out/
Glue job:      this file as the script, job parameter --flowsg-args 'analyze s3a://... ...'
Needs flowsg[spark] on the driver (EMR: pip install in a bootstrap action; Glue:
--additional-python-modules flowsg[spark]).
"""

import sys

from flowsg.spark.__main__ import main

sys.exit(main())
'''
"""The driver script that ``flowsg spark-submit-script`` writes."""


def arguments(argv: Sequence[str]) -> list[str]:
    """flowsg's arguments: the value of ``--flowsg-args`` when given (a Glue job), else argv;
    ``analyze`` gets ``--engine spark`` unless it names an engine, and ``--db :memory:`` unless it
    names a database (on a cluster the records are not brought to the driver)."""
    args = list(argv)
    if GLUE_ARGUMENT in args[:-1]:
        args = shlex.split(args[args.index(GLUE_ARGUMENT) + 1])
    if args[:1] == ["analyze"]:
        for option, default in (("--db", ":memory:"), ("--engine", "spark")):
            if not any(a == option or a.startswith(option + "=") for a in args):
                args[1:1] = [option, default]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run flowsg's command line on ``argv`` (default: the process's) as a Spark driver."""
    from ..cli import cli

    code: int = cli.main(arguments(sys.argv[1:] if argv is None else argv), "flowsg", None, False)
    return code


if __name__ == "__main__":
    sys.exit(main())
