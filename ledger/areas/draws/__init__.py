"""The draw (摇号) (``draw.*``, R7.4, R7.5)."""
