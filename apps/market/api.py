"""REST API of the market app (``/api/v1/market/``): thin views over services and selectors."""
