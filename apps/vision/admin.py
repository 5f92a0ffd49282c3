"""Admin registrations of the vision app."""
