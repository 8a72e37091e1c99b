"""Item lists (抽查事项清单) and the joint list (``items.*``, R3)."""
