"""Demo data for a fresh development database (``manage.py seed_demo``, run by ./platform/run).
It sits above every domain app and uses only their services."""
