"""nba_backfill: the NBA player-points-props platform as a Dagster asset graph."""
