"""Where uploaded files live, from one URL (``MEDIA_STORAGE_URL``): the local uploads folder by
default, or an S3-compatible bucket (AWS, MinIO, Ceph, R2, ...) through django-storages.

    s3://<access key>:<secret>@<host[:port]>/<bucket>[/<prefix>]?region=eu-central-1

``s3://`` talks HTTPS to the host, ``s3+http://`` plain HTTP (a bucket on the same private
network, or a test server). Key and secret are percent-encoded like any URL's user and
password. A malformed URL stops the process at start-up, naming what is wrong, rather than
failing on the first upload."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"
SCHEMES = {"s3": "https", "s3+http": "http"}
QUERY_OPTIONS = {"region"}


def storage_from_url(url: str) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry ``url`` names; "" is the local uploads folder."""
    if not url.strip():
        return dict(LOCAL)
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL must start with s3:// or s3+http://, not '{parts.scheme}://'."
        )
    if not parts.username or not parts.password:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL needs the access key and secret: s3://<key>:<secret>@<host>/<bucket>."
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL has a port that is not a number.") from None
    if not host:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL names no host.")
    bucket, _, prefix = parts.path.strip("/").partition("/")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL names no bucket: s3://...@<host>/<bucket>.")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - QUERY_OPTIONS)
    if unknown:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE_URL has an unknown option '{unknown[0]}' (known: region)."
        )
    endpoint = f"{SCHEMES[parts.scheme]}://{host}" + (f":{port}" if port else "")
    options: dict[str, Any] = {
        "access_key": unquote(parts.username),
        "secret_key": unquote(parts.password),
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "location": prefix.strip("/"),
        # Files are fetched through Brandroom's own signed, expiring URLs (assets/signing.py),
        # never straight from the bucket: nothing in it is public.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if query.get("region", [""])[0]:
        options["region_name"] = query["region"][0]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
