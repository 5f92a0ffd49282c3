"""Reads of the vision app, scoped to their owner."""
