"""Asset checks: the old validation scripts, as per-partition checks an operator reads in the UI."""
