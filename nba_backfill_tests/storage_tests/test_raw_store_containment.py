"""Both raw stores refuse any object path that is absolute or could leave their root, whoever
calls and whichever method: write, read, list and delete."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from dagster_gcp import GCSResource

from nba_backfill.storage.gcs_raw_store import GCSRawStore
from nba_backfill.storage.raw_store import LocalRawStore, RawStore, UnsafePath
from nba_backfill_tests.storage_tests.conftest import BUCKET, PROJECT

#: Object paths that must never reach a file system or a bucket.
HOSTILE = [
    "x/2024-01-24/../../../../y",
    "/abs/path",
    "/etc/hostname",
    "..",
    "a/../b.json",
    "a//b.json",
    "a/./b.json",
    "a\\..\\..\\b.json",
    "a/b\x00.json",
    "C:/windows/b.json",
    "",
]


@pytest.fixture
def local(tmp_path: Path) -> LocalRawStore:
    return LocalRawStore(root=str(tmp_path / "raw"))


@pytest.fixture
def gcs(storage_emulator: str, monkeypatch: pytest.MonkeyPatch) -> GCSRawStore:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", storage_emulator)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    return GCSRawStore(bucket=BUCKET, gcs=GCSResource(project=PROJECT), prefix=f"t{uuid.uuid4().hex[:8]}")


def _refuses_everything(store: RawStore, tmp_path: Path) -> None:
    before = sorted(tmp_path.parent.rglob("*"))
    for path in HOSTILE:
        with pytest.raises(UnsafePath, match="refused|empty"):
            store.write(path, b"{}")
        with pytest.raises(UnsafePath):
            store.read(path)
        with pytest.raises(UnsafePath):
            store.delete(path)
        with pytest.raises(UnsafePath):
            store.list(path if path.endswith("/") else f"{path}/")
    assert sorted(tmp_path.parent.rglob("*")) == before  # nothing written anywhere


def test_the_folder_store_refuses_paths_that_leave_its_root(local: LocalRawStore, tmp_path: Path) -> None:
    _refuses_everything(local, tmp_path)
    local.write("nba-com/schedule/2024-01-24/a.json", b"{}")  # an ordinary path still works
    assert local.list("nba-com/schedule/2024-01-24/") == ["nba-com/schedule/2024-01-24/a.json"]
    assert local.read("nba-com/schedule/2024-01-24/a.json") == b"{}"


def test_the_folder_store_refuses_a_symlinked_folder_that_points_outside(local: LocalRawStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text("{}")
    Path(local.root).mkdir(parents=True)
    os.symlink(outside, Path(local.root) / "link")
    with pytest.raises(UnsafePath, match="resolves outside"):
        local.read("link/secret.json")
    with pytest.raises(UnsafePath, match="resolves outside"):
        local.write("link/new.json", b"{}")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.json"]


def test_the_gcs_store_refuses_the_same_paths(gcs: GCSRawStore, tmp_path: Path) -> None:
    _refuses_everything(gcs, tmp_path)
    names = [blob.name for blob in gcs._handle().list_blobs()]
    assert not [n for n in names if n.startswith(gcs.prefix) or ".." in n or "abs/path" in n]  # nothing created
    gcs.write("nba-com/schedule/2024-01-24/a.json", b"{}")
    assert gcs.list("nba-com/schedule/2024-01-24/") == ["nba-com/schedule/2024-01-24/a.json"]
