"""Keys (密钥): genesis, registration, rotation, revocation (``ledger.genesis``, ``key.*``)."""
