"""Tables of the market app."""
