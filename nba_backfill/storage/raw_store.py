"""The raw store: scraped JSON files under object paths laid out like the original GCS bucket."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dagster as dg

#: Characters no object path may hold: a backslash is a separator on Windows and to some tools,
#: a NUL ends a C string early, a colon makes ``C:`` a drive.
_FORBIDDEN = ("\\", "\x00", ":")


class UnsafePath(ValueError):
    """An object path that is absolute or could leave the store's root: refused, whoever asks."""


def checked_path(path: str, folder: bool = False) -> str:
    """``path`` if it is a plain relative object path (``a/b/c.json``; with ``folder``, a prefix
    ending in ``/``), else :class:`UnsafePath`. No segment may be empty, ``.`` or ``..``: such a
    path means something else to a file system than to a bucket, and can climb out of the root."""
    if not isinstance(path, str) or not path:
        raise UnsafePath(f"object path {path!r} is empty or not a string")
    segments = (path[:-1] if folder and path.endswith("/") else path).split("/")
    forbidden = [c for c in _FORBIDDEN if c in path]
    if path.startswith("/"):
        why = "is absolute"
    elif forbidden:
        why = f"holds {forbidden[0]!r}"
    elif any(s in ("", ".", "..") for s in segments):
        why = "has an empty, . or .. segment"
    else:
        return path
    raise UnsafePath(f"object path {path[:200]!r} {why}: refused")


class RawStore(dg.ConfigurableResource):
    """Where scraped files live, by object path (the original bucket's layout), whatever the backend."""

    def where(self) -> str:
        """Where the files are, as a person would look for them."""
        raise NotImplementedError

    def write(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def read(self, path: str) -> bytes:
        raise NotImplementedError

    def list(self, prefix: str) -> list[str]:
        raise NotImplementedError

    def delete(self, path: str) -> None:
        raise NotImplementedError


class LocalRawStore(RawStore):
    """A folder standing in for the GCS bucket; object paths are relative to ``root``."""

    root: str

    def where(self) -> str:
        return str(Path(self.root).resolve())

    def _file(self, path: str, folder: bool = False) -> Path:
        """The file of an object path, refused unless it lies inside ``root`` (a symlinked folder
        pointing elsewhere included)."""
        root = Path(self.root).resolve()
        target = root / checked_path(path, folder)
        if not target.resolve().is_relative_to(root):
            raise UnsafePath(f"object path {path[:200]!r} resolves outside {root}: refused")
        return target

    def write(self, path: str, data: bytes) -> None:
        """Write atomically: readers see the old file or the new one, never half of one."""
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)

    def read(self, path: str) -> bytes:
        return self._file(path).read_bytes()

    def list(self, prefix: str) -> list[str]:
        """Object paths under ``prefix`` (a folder path ending in ``/``), sorted."""
        base = self._file(prefix, folder=True)
        if not base.is_dir():
            return []
        root = Path(self.root).resolve()
        return sorted(
            p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, path: str) -> None:
        self._file(path).unlink(missing_ok=True)
