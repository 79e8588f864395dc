"""Where data lands: the raw store (JSON files) and the warehouse (tables)."""
