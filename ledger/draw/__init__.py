"""The verifiable draw (双随机, R7): one module per idea, each rule written once.

* :mod:`~ledger.draw.algorithm` -- the pure draw: seed, tickets, selection, matching,
  replacement (standard library only, and the exception tree's root);
* :mod:`~ledger.draw.world` -- the log's events folded into what a draw reads;
* :mod:`~ledger.draw.eligibility` -- strata, ratios, exclusions, officers, jobs;
* :mod:`~ledger.draw.snapshot` -- the eligible population as committed Merkle roots;
* :mod:`~ledger.draw.ceremony` -- commitment, witness commitments, entropy sources,
  the run, the recusal replacement, the drand beacon;
* :mod:`~ledger.draw.verify` -- verify-draw: recompute and name the first difference.

Nothing here imports ``ledger.storage``: events arrive as plain tuples.
"""
