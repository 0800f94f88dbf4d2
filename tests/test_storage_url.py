"""Uploaded files' storage from one URL: the local folder by default, an S3-compatible bucket
by URL, and a malformed URL refused at start-up naming what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from brandroom.storage_url import LOCAL, S3_BACKEND, storage_from_url
from tests.test_settings import ROOT, _start


def test_no_url_keeps_files_in_the_local_uploads_folder() -> None:
    assert storage_from_url("") == LOCAL


def test_a_bucket_url_becomes_django_storages_s3_settings() -> None:
    storage = storage_from_url(
        "s3://AKIA123:se%2Fcr%40t@minio.internal:9000/brand-files/prod/uploads?region=eu-central-1"
    )

    assert storage["BACKEND"] == S3_BACKEND
    options = storage["OPTIONS"]
    assert options["access_key"] == "AKIA123"
    assert options["secret_key"] == "se/cr@t"  # percent-encoded in the URL
    assert options["bucket_name"] == "brand-files"
    assert options["location"] == "prod/uploads"
    assert options["endpoint_url"] == "https://minio.internal:9000"
    assert options["region_name"] == "eu-central-1"
    # Nothing in the bucket is public: files go out through Brandroom's signed URLs.
    assert options["default_acl"] is None and options["file_overwrite"] is False


def test_plain_http_is_asked_for_by_name() -> None:
    storage = storage_from_url("s3+http://k:s@127.0.0.1:9000/bucket")

    assert storage["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert storage["OPTIONS"]["location"] == ""
    assert "region_name" not in storage["OPTIONS"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://k:s@host/bucket", "must start with s3://"),
        ("s3://host/bucket", "needs the access key and secret"),
        ("s3://key@host/bucket", "needs the access key and secret"),
        ("s3://k:s@host:abc/bucket", "port that is not a number"),
        ("s3://k:s@host/", "names no bucket"),
        ("s3://k:s@host/bucket?acl=public-read", "unknown option 'acl'"),
    ],
)
def test_a_malformed_url_is_refused_saying_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=says):
        storage_from_url(url)


def test_the_process_refuses_to_start_with_a_malformed_storage_url() -> None:
    result = _start(BRANDROOM_ENV="development", MEDIA_STORAGE_URL="s3://nobody@host/bucket")

    assert result.returncode != 0
    assert "MEDIA_STORAGE_URL needs the access key and secret" in result.stderr


def test_the_process_starts_with_a_bucket_and_uploads_go_to_it() -> None:
    probe = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; "
        "s = storages['default']; print(type(s).__name__, s.bucket_name, s.endpoint_url)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "brandroom.settings",
            "BRANDROOM_ENV": "development",
            "MEDIA_STORAGE_URL": "s3+http://k:s@127.0.0.1:9/bucket",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "bucket", "http://127.0.0.1:9"]
