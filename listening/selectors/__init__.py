"""Reads of the listening app, one module per concern: signals and their aggregates
(``aggregates``), audiences' activity (``segments``), triggers and their dry runs
(``triggers``)."""
