"""Admin registrations of the proposals app."""
