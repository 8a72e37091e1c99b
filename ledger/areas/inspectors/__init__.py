"""The inspector directory (执法检查人员名录库) (``inspectors.*``, R4.2, R4.3)."""
