"""Admin registrations of the portfolio app."""
