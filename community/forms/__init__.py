"""The community's forms, one module per area (search, cases, market, procurement, discussion)."""
