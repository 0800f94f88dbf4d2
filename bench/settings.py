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

# The rate limits stay in the request path (their counter upsert is part of what a request
# costs) but never refuse: the bench's 8 clients exceed a brand's default 1,200 requests a
# minute within seconds, and a 429 is not the latency being measured.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"brand": "1000000/min", "api_key": "1000000/min"},
}
