"""Driving backfills: plan, status, run and validate (the ``nba-backfill`` command line)."""
