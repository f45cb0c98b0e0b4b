"""Images on ideas and comments: checked from their bytes, re-encoded, stored on disk.

An upload is trusted for nothing it says about itself: not its name, not its Content-Type.
Pillow reads the bytes; only PNG, JPEG, GIF and WebP pictures of at most MAX_BYTES and
MAX_SIDE pixels a side are taken, and anything that also reads as HTML or script (a
polyglot) is refused. What is stored is a fresh encoding of the pixels only (PNG, JPEG or
WebP): no EXIF, no GPS position, no comments, nothing appended. The bytes live in the
image store (board/image_store.py: `images/` in the instance folder, or an S3-compatible
bucket); the database holds who uploaded what and where it is shown.

An image belongs to the idea or comment whose text shows it (`![](/images/12)`), once
that text is saved by the image's uploader. Whoever may read the board may see it, except
that a hidden idea's or comment's pictures are hidden with it.
"""

from __future__ import annotations

import functools
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from board import clock, events, policy
from board.db import among_ids, id_list
from board.errors import Invalid, NotFound
from board.i18n import N_
from board.image_store import DiskStore, ImageStore, current_store
from board.limits import MAX_ID
from models import Comment, Idea, Image

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 4000
# What Pillow may read, and what each is stored as (GIF becomes a PNG of its first frame).
ACCEPTED = {"PNG": "png", "JPEG": "jpeg", "GIF": "png", "WEBP": "webp"}
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# Text a browser could take for a page or a script if it ever sniffed the file.
_ACTIVE_MARKERS = re.compile(
    rb"<\s*(?:html|head|body|script|svg|iframe|object|embed|meta|!doctype|\?xml)|javascript:",
    re.IGNORECASE,
)
IMAGE_PATH = re.compile(r"/images/([0-9]{1,10})\b")


def _store(where: ImageStore | Path | None) -> ImageStore:
    """The store to use: the app's, or one given (a folder means files in it)."""
    if where is None:
        return current_store()
    return DiskStore(where) if isinstance(where, Path) else where


def _refuse(message: str) -> Invalid:
    return Invalid("The image was refused.", code="invalid_image", fields={"file": message})


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str  # png, jpeg, webp
    width: int
    height: int


def reencode(raw: bytes) -> Encoded:
    """The picture in `raw` as fresh bytes without metadata; Invalid for anything else."""
    if not raw:
        raise _refuse(N_("Choose an image file."))
    if len(raw) > MAX_BYTES:
        raise _refuse(N_("Images may be at most 5 MB."))
    if _ACTIVE_MARKERS.search(raw):
        raise _refuse(N_("This file is not only an image."))
    try:
        with PILImage.open(io.BytesIO(raw), formats=list(ACCEPTED)) as picture:
            width, height = picture.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise _refuse(N_("Images may be at most 4000 pixels wide and high."))
            stored_as = ACCEPTED[picture.format]
            picture.seek(0)
            picture.load()
            clean = ImageOps.exif_transpose(picture) or picture
            return _encode(clean, stored_as)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(N_("This file is not a PNG, JPEG, GIF or WebP image.")) from None
    except PILImage.DecompressionBombError:
        raise _refuse(N_("Images may be at most 4000 pixels wide and high.")) from None


def _encode(picture: PILImage.Image, stored_as: str) -> Encoded:
    # A new image from the pixels alone: whatever metadata the upload carried stays behind.
    if stored_as == "jpeg":
        pixels = picture.convert("RGB")
    elif picture.mode in ("RGB", "RGBA", "L", "LA"):
        pixels = picture.copy()
    else:
        pixels = picture.convert("RGBA")
    # Pillow carries `info` (comments, EXIF, ICC, XMP) through copy() and convert() and
    # writes it back on save: start from the bare pixels instead.
    pixels = PILImage.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if stored_as == "jpeg":
        pixels.save(out, "JPEG", quality=88, optimize=True)
    elif stored_as == "webp":
        pixels.save(out, "WEBP", quality=88)
    else:
        pixels.save(out, "PNG", optimize=True)
    return Encoded(out.getvalue(), stored_as, pixels.width, pixels.height)


def image_dict(image: Image) -> dict:
    url = f"/images/{image.id}"
    return {
        "id": image.id,
        "url": url,
        "markdown": f"![]({url})",
        "content_type": CONTENT_TYPES[image.format],
        "width": image.width,
        "height": image.height,
        "size": image.size,
        "created_at": clock.iso(image.created_at),
    }


def upload_image(
    session: Session, actor, raw: bytes, store: ImageStore | Path | None = None
) -> dict:
    """Check, re-encode and keep an image for the caller; it is shown once a text uses it."""
    policy.require(actor, "image.upload")
    encoded = reencode(raw)
    store = _store(store)
    name = f"{secrets.token_hex(16)}.{encoded.format}"
    store.put(name, encoded.data, CONTENT_TYPES[encoded.format])
    image = Image(
        uploader_id=actor.id,
        format=encoded.format,
        width=encoded.width,
        height=encoded.height,
        size=len(encoded.data),
        stored_name=name,
        created_at=clock.now(),
    )
    session.add(image)
    try:
        session.commit()
    except Exception:
        store.delete([name])
        raise
    return image_dict(image)


def referenced_ids(text: str) -> list[int]:
    """The image ids a text shows (`/images/12`), in order, each once."""
    seen: list[int] = []
    for match in IMAGE_PATH.finditer(text or ""):
        image_id = int(match.group(1))
        if 0 < image_id <= MAX_ID and image_id not in seen:
            seen.append(image_id)
    return seen


def attach(
    session: Session, actor, text: str, *, idea_id=None, comment_id=None, new: bool = False
) -> bool:
    """The caller's images that this text shows belong to it now; ones it no longer shows
    let go (in the caller's transaction). Nobody's picture is taken over by another.
    `new`: the idea or comment was written just now, so no picture is its yet. Returns
    whether the text shows any picture."""
    wanted = referenced_ids(text)
    if not new:
        owner = Image.idea_id == idea_id if idea_id is not None else Image.comment_id == comment_id
        released = update(Image).where(owner)
        if wanted:
            released = released.where(Image.id.not_in(wanted))
        session.execute(
            released.values(idea_id=None, comment_id=None).execution_options(
                synchronize_session=False
            )
        )
    if wanted:
        session.execute(
            update(Image)
            .where(
                Image.id.in_(wanted),
                Image.uploader_id == actor.id,
                Image.idea_id.is_(None),
                Image.comment_id.is_(None),
            )
            .values(idea_id=idea_id, comment_id=comment_id)
            .execution_options(synchronize_session=False)
        )
    return bool(wanted)


@functools.lru_cache(maxsize=4)
def _idea_images(dialect: str):
    """The pictures of a list's ideas, as rows (every page of ideas asks; built once)."""
    fields = (
        Image.id,
        Image.idea_id,
        Image.format,
        Image.width,
        Image.height,
        Image.size,
        Image.created_at,
    )
    return select(*fields).where(among_ids(Image.idea_id, dialect)).order_by(Image.id)


def images_of_ideas(session: Session, idea_ids: list[int]) -> dict[int, list[dict]]:
    """The pictures of these ideas (nothing is pending here: the serializer flushed)."""
    dialect = session.get_bind().dialect.name
    rows = session.connection().execute(_idea_images(dialect), {"ids": id_list(dialect, idea_ids)})
    found: dict[int, list[dict]] = {}
    for image in rows:
        found.setdefault(image.idea_id, []).append(image_dict(image))
    return found


def images_of_comments(session: Session, comment_ids: list[int]) -> dict[int, list[dict]]:
    if not comment_ids:
        return {}
    rows = session.scalars(
        select(Image).where(Image.comment_id.in_(comment_ids)).order_by(Image.id)
    )
    found: dict[int, list[dict]] = {}
    for image in rows:
        found.setdefault(image.comment_id, []).append(image_dict(image))
    return found


def drop_images_of_comment(
    session: Session, comment_id: int, store: ImageStore | Path | None = None
) -> None:
    """A deleted comment's pictures go with its text: rows now, files after the commit."""
    rows = list(session.scalars(select(Image).where(Image.comment_id == comment_id)))
    if not rows:
        return
    store = _store(store)
    names = [image.stored_name for image in rows]
    for image in rows:
        session.delete(image)
    events.call_after_commit(session, store.delete, names)


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    content_type: str
    filename: str
    etag: str  # the stored name: a stored picture never changes


def open_image(
    session: Session, viewer, image_id: int, store: ImageStore | Path | None = None
) -> StoredImage:
    """The file to send for /images/<id>: anyone who reads the board, except that a hidden
    idea's or comment's pictures are for its author and the facilitator only (404 else,
    as if it did not exist)."""
    policy.require(viewer, "board.read")
    image = session.get(Image, image_id) if 0 < image_id <= MAX_ID else None
    if image is None or not _visible(session, viewer, image):
        raise NotFound("No such image.", code="image_not_found")
    data = _store(store).get(image.stored_name)
    if data is None:
        raise NotFound("No such image.", code="image_not_found")
    return StoredImage(
        data,
        CONTENT_TYPES[image.format],
        f"image-{image.id}.{image.format}",
        image.stored_name.split(".")[0],
    )


def _visible(session: Session, viewer, image: Image) -> bool:
    owner = None
    if image.idea_id is not None:
        owner = session.get(Idea, image.idea_id)
    elif image.comment_id is not None:
        owner = session.get(Comment, image.comment_id)
    if owner is None or owner.hidden_at is None:
        return True
    return policy.sees_hidden_content(viewer, owner.author_id)
