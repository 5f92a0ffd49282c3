"""Admin registrations of the market app."""
