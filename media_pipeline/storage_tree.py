"""Folders of files in Django storage: upload a local tree under a prefix, delete a prefix, fetch a file.

Works the same on FileSystemStorage and S3Storage, so nothing assumes that the web process and
the workers share a disk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from storages.backends.s3 import S3File

logger = logging.getLogger(__name__)

# What an S3-compatible service raises when it cannot be reached or refuses a request
# (a local disk raises OSError instead).
SERVICE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)


class StorageNameChanged(Exception):
    """Storage saved a file under another name than asked: the published tree would be broken."""


def upload_tree(local_dir: Path, prefix: str, *, storage: Storage = default_storage) -> list[str]:
    """Copy every file below ``local_dir`` to ``prefix/<relative path>``; the names written."""
    written: list[str] = []
    try:
        for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
            name = f"{prefix.rstrip('/')}/{path.relative_to(local_dir).as_posix()}"
            with path.open("rb") as handle:
                saved = storage.save(name, File(handle, name=path.name))
            written.append(saved)
            if saved != name:
                raise StorageNameChanged(f"{name} was saved as {saved}")
    except BaseException:
        for name in written:
            delete_quietly(name, storage=storage)
        raise
    return written


def delete_quietly(name: str, *, storage: Storage = default_storage) -> None:
    """Clean up after a failure: a storage that is away too must not hide the failure itself."""
    try:
        storage.delete(name)
    except Exception:
        logger.warning("could not delete %s from storage", name, exc_info=True)


def list_folder(prefix: str, *, storage: Storage = default_storage) -> tuple[list[str], list[str]]:
    """The folders and files directly under ``prefix``; none if it does not exist."""
    try:
        return storage.listdir(prefix.strip("/"))
    except FileNotFoundError:
        return [], []


def delete_prefix(prefix: str, *, storage: Storage = default_storage) -> int:
    """Delete everything under ``prefix`` (a folder name, no trailing slash needed); how many files."""
    prefix = prefix.strip("/")
    if not prefix:
        raise ValueError("refusing to delete the storage root")
    folders, files = list_folder(prefix, storage=storage)
    count = 0
    for name in files:
        storage.delete(f"{prefix}/{name}")
        count += 1
    for folder in folders:
        count += delete_prefix(f"{prefix}/{folder}", storage=storage)
    local_root = _local_path(storage, prefix)
    if local_root is not None and local_root.is_dir():
        shutil.rmtree(local_root, ignore_errors=True)  # empty folders left by FileSystemStorage
    return count


def fetch_to(name: str, destination: Path, *, storage: Storage = default_storage) -> Path:
    """A local copy of a stored file, streamed in chunks (sources can be gigabytes).

    Reading an S3File first copies the whole object into a SpooledTemporaryFile, kept in memory
    unless AWS_S3_MAX_MEMORY_SIZE is set, so S3 objects are downloaded straight to ``destination``.
    """
    with storage.open(name, "rb") as source, destination.open("wb") as target:
        if isinstance(source, S3File):
            source.obj.download_fileobj(target, Config=storage.transfer_config)
        else:
            shutil.copyfileobj(source, target, length=8 * 1024 * 1024)
    return destination


def local_path_or_none(name: str, *, storage: Storage = default_storage) -> Path | None:
    return _local_path(storage, name)


def _local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None
