"""Uploading an image (multipart/form-data, field `file`); /images/<id> serves it."""

from __future__ import annotations

from flask import request

from board import images
from board.api import api, db, me, ok
from board.errors import Invalid
from board.i18n import N_


@api.post("/images")
def upload_image():
    unknown = sorted(set(request.form) | (set(request.files) - {"file"}))
    if unknown:
        raise Invalid(
            "Some fields are not accepted here.",
            code="unknown_field",
            fields={name: N_("Unknown field.") for name in unknown},
        )
    upload = request.files.get("file")
    raw = upload.stream.read(images.MAX_BYTES + 1) if upload is not None else b""
    return ok(images.upload_image(db(), me(), raw), 201)
