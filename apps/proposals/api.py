"""REST API of the proposals app (``/api/v1/proposals/``): thin views over services and selectors."""
