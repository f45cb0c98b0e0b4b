"""Where image files live: on disk under the instance folder (the default), or in an
S3-compatible bucket when BOARD_IMAGE_S3_BUCKET is set (AWS S3, MinIO, Ceph, Garage, …).

Both keep the re-encoded bytes under a random name; the database says which image is whose
and who may see it. Nothing here decides permissions or serves a file: the board reads the
bytes and answers /images/<id> itself, with its own headers, whichever store holds them, so
a bucket never needs to be public and a reader is never sent to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flask import current_app, has_app_context

from board.settings import Settings


class ImageStore(Protocol):
    def put(self, name: str, data: bytes, content_type: str) -> None: ...

    def get(self, name: str) -> bytes | None:
        """The stored bytes, or None when there are none under this name."""

    def delete(self, names: list[str]) -> None: ...


class DiskStore:
    """Files in one folder: `images/` in the instance folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(self.folder / name)  # whole or absent, never half written

    def get(self, name: str) -> bytes | None:
        path = self.folder / name
        return path.read_bytes() if path.is_file() else None

    def delete(self, names: list[str]) -> None:
        for name in names:
            (self.folder / name).unlink(missing_ok=True)


class S3Store:
    """Objects `<prefix><name>` in one bucket of an S3-compatible service (path-style
    addressing and SigV4, which every S3-compatible server understands)."""

    def __init__(self, settings: Settings):
        import boto3  # only a board that uses a bucket loads the AWS SDK
        from botocore.config import Config

        self.bucket = settings.image_s3_bucket
        self.prefix = settings.image_s3_prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.image_s3_endpoint,
            aws_access_key_id=settings.image_s3_access_key,
            aws_secret_access_key=settings.image_s3_secret_key,
            region_name=settings.image_s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=20,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type
        )

    def get(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return answer["Body"].read()

    def delete(self, names: list[str]) -> None:
        for name in names:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)


def store_for(settings: Settings) -> ImageStore:
    if settings.image_s3_bucket:
        return S3Store(settings)
    return DiskStore(Path(settings.instance_path) / "images")


def current_store() -> ImageStore:
    """The running app's image store (made once, in create_app)."""
    if has_app_context() and "board_image_store" in current_app.extensions:
        return current_app.extensions["board_image_store"]
    raise RuntimeError("current_store() needs the app")
