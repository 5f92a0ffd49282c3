"""Tables of the codegen app."""
