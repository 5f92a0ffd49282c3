"""Reads of the proposals app, scoped to their owner."""
