"""Walking directory trees the same way for every input (flow logs and snapshots), and putting
finished output folders into place in one step."""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
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


def printable(path: str) -> str:
    """The path as UTF-8 text: bytes of a file name that are not UTF-8 (Python keeps them as lone
    surrogates) become U+FFFD. Such a name cannot be stored or shown as it is."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def not_utf8(path: str) -> bool:
    """Whether the path holds bytes that are not UTF-8 (see printable)."""
    return printable(path) != path


def temporary_folder_beside(target: str | os.PathLike[str]) -> str:
    """A new, empty, hidden folder in the same folder as ``target`` (so that a rename moves it
    into place without copying): ``.<name>.<random>.tmp``. Created with the user's umask, like the
    folder it becomes."""
    path = os.path.abspath(os.fspath(target))
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    while True:
        tmp = os.path.join(parent, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            os.mkdir(tmp)
        except FileExistsError:
            continue
        return tmp


def publish_folder(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put the finished folder ``tmp`` at ``target`` and remove what was there before.

    A new target is a rename. An existing one is swapped with ``tmp`` in one step where the system
    can (Linux ``renameat2`` with ``RENAME_EXCHANGE``), so that ``target`` always names a whole
    folder, the old or the new; elsewhere the old folder is renamed aside first (a crash between
    the two renames leaves it beside, hidden, and no target). The old folder is removed last.
    """
    tmp, target = os.fspath(tmp), os.fspath(target)
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        old = tmp
    else:
        old = tmp + ".old"
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except OSError:
            os.rename(old, target)
            raise
    shutil.rmtree(old, ignore_errors=True)


_UINT = ctypes.c_uint
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: str, b: str) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, _UINT)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # an old kernel, or a file system without the exchange
    raise OSError(code, os.strerror(code), b)
