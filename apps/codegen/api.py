"""REST API of the codegen app (``/api/v1/codegen/``): thin views over services and selectors."""
