"""The verifiable draw (双随机): the pure algorithm, its inputs from the log, and its check."""
