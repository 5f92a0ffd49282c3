"""Tables of the portfolio app."""
