"""shuangsui-ledger: the audit ledger for joint "双随机、一公开" market inspections.

``ledger`` is the event-sourced core: canonical encoding, keys, the chained
recorders, the verifier, the domain and the command layer. It imports no Flask,
marshmallow or sqlite-utils.
"""

__version__ = "0.1.0"
