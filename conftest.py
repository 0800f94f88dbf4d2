"""Repository-root pytest set-up: the test suite always runs with the test settings mode."""

import os

os.environ.setdefault("BRANDROOM_ENV", "test")
