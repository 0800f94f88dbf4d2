"""Settings for benchmark runs: the product's settings plus the bench-only routes.

Nothing is read from the environment here (brandroom/settings.py does that); the runner sets
BRANDROOM_ENV=development, DEBUG=false and DATABASE_URL for its own database before loading.
"""

from brandroom.settings import *  # noqa: F403

# The product's routes plus the single-schema baseline (bench/urls.py).
ROOT_URLCONF = "bench.urls"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Emails (approval requests, reminders) are built and kept in memory rather than printed: the
# console backend would time the terminal, and the bench never sends mail anywhere.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
