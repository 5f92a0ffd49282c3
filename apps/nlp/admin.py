"""Admin registrations of the nlp app."""
