"""REST API of the portfolio app (``/api/v1/portfolio/``): thin views over services and selectors."""
