"""The witness area: the office's witness policy, and checkpoints with their
cosignatures recorded in the log (issue 11, part 3)."""
