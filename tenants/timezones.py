"""Which time zone names a brand may use: canonical IANA zone names only.

``zoneinfo.ZoneInfo`` opens any file under the system's zoneinfo folders, so it also accepts
names that are not time zones at all: ``localtime`` (whatever the server's clock is set to),
``posixrules`` (a template for POSIX TZ strings) and ``Factory`` (a placeholder with no offset
and the abbreviation ``-00``). A brand's deadlines and budgets must not change meaning when the
service moves to another machine, so only names the IANA database lists as zones or as links
to zones are accepted, exactly as spelt there.
"""

from __future__ import annotations

import functools
import zoneinfo

# Files the zoneinfo folders hold that are not places' time zones.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def canonical_zone_names() -> frozenset[str]:
    """Every accepted IANA name (e.g. ``Europe/Zurich``, ``UTC``), read once per process."""
    return frozenset(zoneinfo.available_timezones() - NOT_ZONES)


def is_canonical_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone name, exactly as the database spells it."""
    return name in canonical_zone_names()
