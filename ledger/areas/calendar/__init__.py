"""The working-day calendar's amendments (``calendar.*``)."""
