"""Files written whole or not at all.

Every file the pipeline, the batch scoring and the drift job write goes through
:func:`atomic_path`: the content is written to a hidden temporary file in the same
folder and renamed over the target only once it is complete, so an interrupted run
(an error, Ctrl-C, a kill) leaves the previous file as it was, never a partial one.
:func:`stop` is the handler for SIGTERM: it removes the unfinished files and exits.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

UNFINISHED: set[Path] = set()  # the temporary paths being written right now


@contextmanager
def atomic_path(target: Path, directory: bool = False) -> Iterator[Path]:
    """A temporary path next to ``target``, renamed to ``target`` when the block succeeds.

    With ``directory`` the temporary path is a folder (outputs made of part files). On
    an error the temporary path is removed and ``target`` is left untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix, folder = f".{target.name}.", target.parent
    if directory:
        temporary = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=folder))
    else:
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
        os.close(handle)
        temporary = Path(name)
    UNFINISHED.add(temporary)
    try:
        yield temporary
        replace(temporary, target)
    except BaseException:
        remove(temporary)
        raise
    finally:
        UNFINISHED.discard(temporary)


def stop(number: int, frame: FrameType | None = None) -> None:
    """Signal handler: remove the unfinished files, say so, exit with 128 + the signal."""
    for path in list(UNFINISHED):
        remove(path)
    print(f"stopped by signal {number}: nothing half-written left behind", file=sys.stderr)
    os._exit(128 + number)  # at once, even from inside a reader's C code


def replace(source: Path, target: Path) -> None:
    """Move ``source`` over ``target`` in one rename (a folder target is swapped out)."""
    if source.is_file():
        with source.open("rb") as written:
            os.fsync(written.fileno())
    if target.is_dir() and not target.is_symlink():
        old = target.with_name(f".{target.name}.old")
        remove(old)
        target.rename(old)
        source.rename(target)
        remove(old)
    else:
        os.replace(source, target)


def remove(path: Path) -> None:
    """Delete a file or a folder, if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file: same path, a link to it, or a hard link."""
    if first.resolve() == second.resolve():
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist
        return False
