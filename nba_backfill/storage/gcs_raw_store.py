"""The raw store on Google Cloud Storage: the RawStore contract over a bucket.

Object names are the same relative paths as locally (``nba-com/boxscores/{date}/{game}/{ts}.json``),
optionally under ``prefix`` so several deployments can share one bucket.
"""

from __future__ import annotations

import mimetypes

from dagster_gcp import GCSResource
from google.api_core.exceptions import NotFound
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY
from pydantic import PrivateAttr

from nba_backfill.storage.raw_store import RawStore, checked_path


class GCSRawStore(RawStore):
    """Scraped files in ``gs://{bucket}/{prefix}/``; the same public methods as LocalRawStore."""

    bucket: str
    gcs: GCSResource
    prefix: str = ""

    # One client per resource instance, not per call: a scrape writes thousands of small files.
    _bucket: storage.Bucket | None = PrivateAttr(default=None)

    def where(self) -> str:
        return f"gs://{self.bucket}/{self.prefix.strip('/')}".rstrip("/")

    def _handle(self) -> storage.Bucket:
        if self._bucket is None:
            self._bucket = self.gcs.get_client().bucket(self.bucket)
        return self._bucket

    def _name(self, path: str, folder: bool = False) -> str:
        """The object name of a checked path: a bucket has no folders to climb out of, but a name
        with ``..`` would be read as a climb by anything that mirrors the bucket to disk."""
        root = self.prefix.strip("/")
        checked_path(f"{root}/{path}" if root else path, folder)
        return f"{root}/{path}" if root else path

    def _path(self, name: str) -> str:
        root = self.prefix.strip("/")
        return name[len(root) + 1 :] if root else name

    def write(self, path: str, data: bytes) -> None:
        """One upload is one object: readers see the old object or the new one, never half of one.
        Every write carries the whole payload, so retrying a failed upload is safe."""
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        self._handle().blob(self._name(path)).upload_from_string(data, content_type=content_type, retry=DEFAULT_RETRY)

    def read(self, path: str) -> bytes:
        try:
            return self._handle().blob(self._name(path)).download_as_bytes()
        except NotFound:
            # The same error LocalRawStore raises, so callers need not know the backend.
            raise FileNotFoundError(f"gs://{self.bucket}/{self._name(path)}") from None

    def list(self, prefix: str) -> list[str]:
        """Object paths under ``prefix`` (a folder path ending in ``/``), sorted."""
        return sorted(
            self._path(blob.name) for blob in self._handle().list_blobs(prefix=self._name(prefix, folder=True))
        )

    def delete(self, path: str) -> None:
        try:
            self._handle().blob(self._name(path)).delete()
        except NotFound:  # already gone, like LocalRawStore's unlink(missing_ok=True)
            pass
