"""The raw store: scraped JSON files under object paths laid out like the original GCS bucket."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dagster as dg


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

    def _file(self, path: str) -> Path:
        return Path(self.root) / path

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
        base = self._file(prefix)
        if not base.is_dir():
            return []
        root = Path(self.root)
        return sorted(
            p.relative_to(root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, path: str) -> None:
        self._file(path).unlink(missing_ok=True)
