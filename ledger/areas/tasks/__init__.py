"""Joint tasks (联合抽查任务) (``task.*``, R7.1-R7.4)."""
