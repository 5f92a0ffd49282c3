"""Admin registrations of the codegen app."""
