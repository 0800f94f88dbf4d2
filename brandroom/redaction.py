"""Secrets that travel in URLs never reach the logs: the magic sign-in link's token.

An emailed sign-in link carries its one-time token in the path (``/approve/link/<token>/``).
Gunicorn's access log and Django's request log (``Not Found: <path>``, ``Gone: <path>``) wrote
it out in full, so anyone reading the logs could sign in as the person within the link's
lifetime. Both loggers pass every record through ``RedactSecrets``, which writes such paths
as ``/approve/link/[redacted]/``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

from gunicorn.glogging import Logger as GunicornBaseLogger

SECRET_IN_PATH = re.compile(r"(/approve/link/)[^/?#\s\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    """``text`` with every sign-in link token replaced by ``[redacted]``."""
    return SECRET_IN_PATH.sub(REDACTED, text)


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts tokens in a record's message and its arguments (tuple or mapping)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, MutableMapping):
            # Gunicorn's access log passes its atoms as one mapping; keep its own type.
            for name, value in list(record.args.items()):
                record.args[name] = _redact_value(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True


class GunicornLogger(GunicornBaseLogger):
    """Gunicorn's logger with the access and error logs passed through ``RedactSecrets``."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())
