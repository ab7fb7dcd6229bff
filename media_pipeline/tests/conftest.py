"""Fixtures for the media pipeline tests: people who upload, a media root of their own, and S3."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from storages.backends.s3 import S3Storage

from media_pipeline.tasks import video_files_delete_task, video_transcode_task
from media_pipeline.tests import upload_clips
from school.roles import Role
from school.tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def file_deletions_run_at_once(monkeypatch) -> None:
    """No worker consumes the broker here: a deleted video's files go at once, through the task's code."""
    monkeypatch.setattr(
        video_files_delete_task, "delay", lambda **kwargs: video_files_delete_task.run(**kwargs)
    )


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def instructor(org_tree):
    return MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.branch_a1, real_name="王讲师").user


@pytest.fixture
def other_instructor(org_tree):
    return MemberFactory(user__roles=[Role.INSTRUCTOR], org_unit=org_tree.branch_a2, real_name="李讲师").user


# --- S3-compatible storage: a real moto server -------------------------------------------------------------

S3_REGION = "us-east-1"
S3_KEY = "testing"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class S3Bucket:
    """The bucket default storage writes to in one test, read back with a client of its own."""

    name: str
    client: Any

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return {entry["Key"] for page in pages for entry in page.get("Contents", ())}

    def content_type(self, key: str) -> str:
        return self.client.head_object(Bucket=self.name, Key=key)["ContentType"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory) -> Iterator[str]:
    """The address of a moto S3 server in a process of its own, for the whole session."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(endpoint, server, log_path)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_answering(endpoint: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            pytest.fail(f"moto server exited with {server.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with NO_PROXY.open(f"{endpoint}/moto-api/", timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"moto server did not answer within 30 s: {log_path.read_text()[-2000:]}")
            time.sleep(0.05)


def use_s3_storage(settings, *, bucket: str, endpoint: str, **client_settings: Any) -> None:
    """S3 as default storage, set as ``MEDIA_STORAGE=s3`` does; STORAGES last: that resets default_storage."""
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = endpoint
    settings.AWS_S3_REGION_NAME = S3_REGION
    settings.AWS_ACCESS_KEY_ID = S3_KEY
    settings.AWS_SECRET_ACCESS_KEY = S3_KEY
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_S3_FILE_OVERWRITE = False
    for name, value in client_settings.items():
        setattr(settings, name, value)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}


@pytest.fixture
def s3_storage(moto_endpoint, settings, tmp_path) -> S3Bucket:
    """Default storage is S3Storage on a fresh bucket of the moto server; MEDIA_ROOT is an empty folder."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_KEY,
    )
    bucket = S3Bucket(name=f"school-media-{uuid.uuid4().hex[:12]}", client=client)
    client.create_bucket(Bucket=bucket.name)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = None
    use_s3_storage(settings, bucket=bucket.name, endpoint=moto_endpoint)
    assert isinstance(storages["default"], S3Storage)
    marker = default_storage.save("fixture-check.txt", ContentFile(b"x"))
    assert bucket.keys() == {marker}
    default_storage.delete(marker)
    assert bucket.keys() == set()
    return bucket


@pytest.fixture
def s3_outage(settings, s3_storage) -> Callable[[], None]:
    """Call it to make S3 unreachable: default storage then points at a port nobody listens on."""

    def cut() -> None:
        use_s3_storage(
            settings,
            bucket=s3_storage.name,
            endpoint=f"http://127.0.0.1:{free_port()}",
            AWS_S3_CLIENT_CONFIG=Config(connect_timeout=1, retries={"mode": "standard", "max_attempts": 2}),
        )

    return cut


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Good and bad upload files, made once per session (see ``upload_clips``)."""
    return upload_clips.all_clips(tmp_path_factory.mktemp)


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The transcode tasks sent to the broker (Celery is not eager here)."""
    calls: list[dict] = []
    monkeypatch.setattr(video_transcode_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls
