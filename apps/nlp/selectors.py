"""Reads of the nlp app, scoped to their owner."""
