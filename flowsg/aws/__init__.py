"""What flowsg asks AWS directly, with boto3 (the optional extra ``flowsg[aws]``).

Nothing here imports boto3 at import time: the core works without it, and a command that needs
it raises :class:`~flowsg.errors.UsageError` saying ``pip install 'flowsg[aws]'``.
"""

from __future__ import annotations

from .snapshot import SnapshotManifest, take_snapshot

__all__ = ["SnapshotManifest", "take_snapshot"]
