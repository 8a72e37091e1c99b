"""Benchmarks, run by hand: `python -m bench all` runs them all (see bench/__main__.py)."""
