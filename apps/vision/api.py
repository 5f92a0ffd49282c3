"""REST API of the vision app (``/api/v1/vision/``): thin views over services and selectors."""
