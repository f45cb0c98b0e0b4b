"""Images in S3-compatible storage (BOARD_IMAGE_S3_*): the same pictures, checks and
headers as on disk, kept in a bucket. The bucket is a real S3 endpoint over HTTP on
loopback (moto's standalone server), reached by the board through boto3 as it would reach
AWS, MinIO or Ceph; the board still answers /images/<id> itself."""

from __future__ import annotations

import dataclasses
import io

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image as PILImage
from sqlalchemy import select

from board.settings import Settings, SettingsError
from models import Image
from tests.browser.helpers import free_port
from tests.test_images import jpeg_with_location, picture, upload

BUCKET = "board-images"


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="board",
        aws_secret_access_key="board-secret",
        region_name="eu-central-1",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def settings(settings, s3_endpoint, bucket):
    """The board of these tests keeps its images in the bucket."""
    return dataclasses.replace(
        settings,
        image_s3_endpoint=s3_endpoint,
        image_s3_bucket=BUCKET,
        image_s3_access_key="board",
        image_s3_secret_key="board-secret",
        image_s3_region="eu-central-1",
        image_s3_prefix="pictures/",
    )


def stored_keys(bucket) -> list[str]:
    return [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_upload_lands_in_the_bucket_reencoded_and_nothing_on_disk(app, member, settings, bucket):
    response = upload(member, jpeg_with_location(), "holiday.jpg", "image/jpeg")
    assert response.status_code == 201, response.get_json()
    image = response.get_json()
    with app.extensions["board_db"].Session() as session:
        name = session.get(Image, image["id"]).stored_name
    assert stored_keys(bucket) == [f"pictures/{name}"]
    stored = bucket.get_object(Bucket=BUCKET, Key=f"pictures/{name}")
    assert stored["ContentType"] == "image/jpeg"
    data = stored["Body"].read()
    for secret in (b"SpyCam", b"secret-editor", b"secret lab", b"Exif"):
        assert secret not in data
    assert not (settings.instance_path / "images").exists()


def test_the_board_serves_a_bucket_image_itself_with_its_safe_headers(member, other_member):
    image = upload(member, picture("PNG")).get_json()
    response = other_member.client.get(image["url"])
    assert response.status_code == 200  # the bytes, not a redirect to the bucket
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Location" not in response.headers
    with PILImage.open(io.BytesIO(response.data)) as served:
        assert served.format == "PNG" and served.size == (64, 48)
    again = other_member.client.get(
        image["url"], headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_hidden_comments_bucket_picture_and_a_deleted_ones(
    app, member, other_member, facilitator, bucket
):
    idea = member.post("ideas", json={"title": "Poster", "body": ""}).get_json()
    image = upload(other_member, picture("PNG")).get_json()
    comment = other_member.post(
        f"ideas/{idea['id']}/comments", json={"body": f"Mine: ![]({image['url']})"}
    ).get_json()
    facilitator.put(f"comments/{comment['id']}/hidden", json={"reason": "a customer's face"})
    assert member.client.get(image["url"]).status_code == 404
    assert other_member.client.get(image["url"]).status_code == 200
    facilitator.delete(f"comments/{comment['id']}/hidden")
    assert len(stored_keys(bucket)) == 1
    other_member.delete(f"comments/{comment['id']}")
    assert stored_keys(bucket) == []  # deleted with its comment, from the bucket too
    assert member.client.get(image["url"]).status_code == 404
    with app.extensions["board_db"].Session() as session:
        assert session.scalars(select(Image)).all() == []


def test_an_image_missing_from_the_bucket_is_a_404(app, member, bucket):
    image = upload(member, picture("PNG")).get_json()
    for key in stored_keys(bucket):
        bucket.delete_object(Bucket=BUCKET, Key=key)
    assert member.client.get(image["url"]).status_code == 404


def test_the_s3_settings(tmp_path):
    base = {"BOARD_INSTANCE_PATH": str(tmp_path), "BOARD_SECRET_KEY": "x"}
    assert Settings.from_env(base).image_s3_bucket is None  # on disk by default
    on = Settings.from_env(
        {
            **base,
            "BOARD_IMAGE_S3_BUCKET": "pics",
            "BOARD_IMAGE_S3_ENDPOINT": "https://s3.example.com/",
            "BOARD_IMAGE_S3_ACCESS_KEY": "key",
            "BOARD_IMAGE_S3_SECRET_KEY": "s3-secret-value",
        }
    )
    assert (on.image_s3_endpoint, on.image_s3_region, on.image_s3_prefix) == (
        "https://s3.example.com",
        "us-east-1",
        "images/",
    )
    assert "s3-secret-value" not in repr(on)
    for wrong in (
        {"BOARD_IMAGE_S3_ENDPOINT": "https://s3.example.com"},  # no bucket
        {"BOARD_IMAGE_S3_BUCKET": "pics", "BOARD_IMAGE_S3_ENDPOINT": "s3.example.com"},
        {"BOARD_IMAGE_S3_BUCKET": "pics", "BOARD_IMAGE_S3_ACCESS_KEY": "key"},  # no secret
    ):
        with pytest.raises(SettingsError):
            Settings.from_env({**base, **wrong})
