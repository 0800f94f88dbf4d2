"""Models arrive with their issue; the app exists so its schema place is reserved."""
