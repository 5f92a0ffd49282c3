"""Tables of the vision app."""
