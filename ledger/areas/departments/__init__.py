"""Member departments (成员单位) and their sections (股室) (``department.*``, R10.1)."""
