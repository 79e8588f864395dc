"""Datasets shipped with the package: folders of real recorded facts for ``NBA_BACKFILL_SOURCE=dataset``.

``real_2025_26/`` is the first five weeks of the 2025-26 regular season (its README gives provenance,
columns and the checks made on it). It is package data, so it is found after a plain or editable
``pip install``.
"""

from __future__ import annotations

from pathlib import Path

#: The folder ``NBA_DATASET_DIR`` defaults to.
REAL_2025_26 = Path(__file__).parent / "real_2025_26"
