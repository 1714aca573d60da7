"""Coverage-guided fuzzing of the flow-log loader and the snapshot loader with atheris (libFuzzer
for Python), for long hunts outside `make test`: `make fuzz` (FUZZ_TARGET=load|snapshot,
FUZZ_SECONDS=N). Seeds are the sample's files. Each input is written to a file and loaded into an
in-memory database; anything but a FlowsgError escaping, or lines that do not add up (headers +
records + malformed = lines read), is a crash that atheris reports with the input that caused it
(saved as crash-<hash>): add it to tests/test_fuzz.py as a regression test.

    python tests/fuzz_atheris.py load -max_total_time=600 [libFuzzer options]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import flowsg

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
WORK = Path(tempfile.mkdtemp(prefix="flowsg-atheris-"))
CON = flowsg.connect(":memory:", threads=1)


def fuzz_load(data: bytes) -> None:
    path = WORK / "input.log"
    path.write_bytes(data)
    try:
        flowsg.load(CON, [path])
    except flowsg.FlowsgError:
        return
    rows = CON.execute("SELECT lines_read, headers, records, malformed FROM files").fetchall()
    for read, headers, records, malformed in rows:
        if read != headers + records + malformed:
            raise AssertionError(f"lines do not add up: {read} != {headers}+{records}+{malformed}")
    (flows,) = CON.execute("SELECT count(*) FROM flows").fetchall()[0]
    if flows != sum(r[2] for r in rows):
        raise AssertionError("flows and files.records differ")


def fuzz_snapshot(data: bytes) -> None:
    folder = WORK / "snapshot"
    if not folder.exists():
        shutil.copytree(SAMPLE / "snapshot", folder)
    (folder / "describe-security-groups.json").write_bytes(data)
    try:
        flowsg.load_snapshot(CON, folder)
    except flowsg.SnapshotError:
        return


def seeds(target: str) -> Path:
    """A corpus folder with the sample's files of that kind."""
    corpus = WORK / f"corpus-{target}"
    corpus.mkdir(exist_ok=True)
    if target == "load":
        for i, p in enumerate(sorted(flowsg.walk([SAMPLE]).files)):
            (corpus / f"seed{i}").write_bytes(Path(p).read_bytes()[:65536])
    else:
        for p in sorted((SAMPLE / "snapshot").glob("*.json")):
            shutil.copy(p, corpus / p.name)
    return corpus


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "load"
    options = [a for a in sys.argv[1:] if a.startswith("-")]
    test = fuzz_load if target == "load" else fuzz_snapshot
    atheris.Setup([sys.argv[0], *options, str(seeds(target))], test)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
