"""The office credit policy (信用监管规则): concentrated industries and check caps."""
