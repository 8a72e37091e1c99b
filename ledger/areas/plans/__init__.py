"""Annual plans (年度抽查计划) (``plans.*``, R6)."""
