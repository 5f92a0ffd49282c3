"""Tables of the nlp app."""
