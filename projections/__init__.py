"""Read models built from the log with sqlite-utils (arrive with the projections issue)."""
