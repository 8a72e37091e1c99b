"""The ledger as a transparency log: checkpoints, proofs, witnesses, the database check."""
