"""Asset keys and warehouse table names, one spelling each way.

An asset is named ``dataset/name`` (its key ``["dataset", "name"]``, as the command line and the
plan print it) and its warehouse table ``dataset.name``.
"""

from __future__ import annotations

import dagster as dg

#: Phase 1's dataset: its assets are raw API responses (files), not warehouse tables.
SCRAPED = "scraped"


def asset_key(name: str) -> dg.AssetKey:
    """``"nba_raw/nbac_schedule"`` -> ``AssetKey(["nba_raw", "nbac_schedule"])``."""
    return dg.AssetKey(name.split("/"))


def table_name(key: dg.AssetKey | str) -> str:
    """The warehouse table of an asset key or ``dataset/name``: ``nba_raw.nbac_schedule``."""
    return ".".join(key.path) if isinstance(key, dg.AssetKey) else key.replace("/", ".")


def is_scraped(key: dg.AssetKey | str) -> bool:
    """Whether an asset key, ``dataset/name`` or ``dataset.name`` is one of Phase 1's raw files."""
    dataset = key.path[0] if isinstance(key, dg.AssetKey) else key.replace("/", ".").split(".")[0]
    return dataset == SCRAPED


def asset_name(table: str) -> str:
    """The ``dataset/name`` of a warehouse table ``dataset.name``."""
    return table.replace(".", "/")
