"""Test support shipped with the package: the pytest plugin (``nba_backfill.testing.plugin``)."""
