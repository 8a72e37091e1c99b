"""Aggregates and their events.

Every event class has an explicit, stable ``TOPIC`` (the library stores topics, and
a stable name means renaming a class never orphans stored events) and, when its
fields change, a ``class_version`` with ``upcast_vN_vN+1`` methods. Aggregates are
short streams: one per key, list, plan, task ... never one giant aggregate.
"""
