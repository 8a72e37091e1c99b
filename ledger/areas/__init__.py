"""The areas of the measures, one package each: events, typed commands, rules."""
