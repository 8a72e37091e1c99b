"""Results, publication, withholding and follow-up (``result.*``, R9)."""
