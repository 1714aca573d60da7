"""Walking directory trees the same way for every input (flow logs and snapshots)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Tree:
    """What a walk found: files to read, entries that cannot be read, entries left out."""

    files: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[str] = field(default_factory=list)


def walk_tree(root: str, skip_suffixes: tuple[str, ...] = ()) -> Tree:
    """The files under root, recursively in name order.

    Hidden entries and files ending in one of skip_suffixes (case-insensitive) are skipped.
    Symbolic links are followed; a link back into a directory being walked is reported as a
    directory loop, a dangling link as a broken link, a directory that cannot be listed as
    unreadable, and the walk goes on.
    """
    tree = Tree()
    _visit(root, frozenset(), skip_suffixes, tree)
    return tree


def _visit(
    path: str, ancestors: frozenset[tuple[int, int]], skip: tuple[str, ...], tree: Tree
) -> None:
    try:
        st = os.stat(path)
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        tree.unreadable.append((path, f"unreadable directory: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in ancestors:
        tree.unreadable.append((path, "directory loop: a symbolic link leads back to a parent"))
        return
    inner = ancestors | {key}
    for entry in entries:
        child = os.path.join(path, entry.name)
        if entry.name.startswith("."):
            tree.skipped.append(child)
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            _visit(child, inner, skip, tree)
        elif skip and entry.name.lower().endswith(skip):
            tree.skipped.append(child)
        elif os.path.lexists(child) and not os.path.exists(child):
            tree.unreadable.append((child, "broken symbolic link"))
        else:
            tree.files.append(child)
