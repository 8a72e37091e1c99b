"""The auditor's verifier: standard library and PyNaCl only."""
