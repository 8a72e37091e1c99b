"""Command-line tools for operators, auditors and discipline inspectors."""
