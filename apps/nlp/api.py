"""REST API of the nlp app (``/api/v1/nlp/``): thin views over services and selectors."""
