"""gzip for pages and JSON: the board page and its lists shrink about five- to tenfold.

Only whole, buffered answers of a textual type and more than a kilobyte, and only when
the client says it accepts gzip; static files (streamed by send_file) and Socket.IO
traffic are left alone. Compressed by ISA-L (the isal package: the same gzip format, a
third of zlib's CPU at a comparable size): a page of 50 ideas from the API (40 KiB) took
0.16 ms at zlib's level 3 inside a request (4.8 KiB), now 0.05 ms (5.1 KiB); the board
page (182 KiB) 0.66 -> 0.17 ms, 19.0 -> 20.0 KiB (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request
from isal import isal_zlib

MIN_SIZE = 1024
LEVEL = isal_zlib.ISAL_DEFAULT_COMPRESSION  # 2 of ISA-L's 0-3
GZIP = 16 + 15  # a gzip member (header with no time and name, CRC-32 trailer), 32 KiB window
TYPES = {"text/html", "application/json", "text/csv", "text/plain", "application/atom+xml"}


@dataclass
class KeptBody:
    """An answer's body kept for its next requests (`board.api.kept_ok`), with its headers
    and, once a request has asked for it, its gzip: a kept answer is compressed once."""

    body: bytes
    headers: list[tuple[str, str]]
    gzip: bytes | None = None


def _accepts_gzip() -> bool:
    accepted = request._get_current_object().headers.get("Accept-Encoding", "")  # db_for_request
    for part in accepted.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in (
            "q=0",
            "q=0.0",
        ):
            return True
    return False


def _vary_on_encoding(response: Response) -> None:
    """`response.vary.add("Accept-Encoding")`, which parses the Vary header into a set and
    writes the set back, also when there is no Vary header (almost every answer): there,
    the header is simply added (about 2 µs less)."""
    if response.headers.getlist("Vary"):
        response.vary.add("Accept-Encoding")
    else:
        response.headers.add("Vary", "Accept-Encoding")


def compress(response: Response) -> Response:
    _vary_on_encoding(response)
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in TYPES
        or not _accepts_gzip()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    kept: KeptBody | None = getattr(response, "board_kept", None)
    if kept is not None and kept.body == data:  # a hook after the view may have changed it
        if kept.gzip is None:
            kept.gzip = isal_zlib.compress(data, LEVEL, wbits=GZIP)
        response.set_data(kept.gzip)
    else:
        response.set_data(isal_zlib.compress(data, LEVEL, wbits=GZIP))
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_compression(app: Flask) -> None:
    app.after_request(compress)
