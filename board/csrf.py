"""CSRF protection (Flask-WTF) for every state-changing form and JSON request.

JSON clients send the token in `X-CSRF-Token`; forms send the `csrf_token` field.
"""

from __future__ import annotations

import hmac
import logging

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, same_origin, validate_csrf
from wtforms import ValidationError

from board.kept import keep

log = logging.getLogger("flask_wtf.csrf")  # where Flask-WTF logs a refusal

# Only these bodies have form fields (Werkzeug parses no other): any other request's token
# can only be in a header.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RememberingCSRF(CSRFProtect):
    """Flask-WTF's CSRF protection, each signed token's signature checked once per process.

    Every write checked its token anew: a serializer made for it, base64, the HMAC of the
    signature, JSON (with the form looked for a token first, about 0.06 ms of a write's
    CPU). A signed token whose check held is remembered with the random token it carries,
    which is what the session holds, so the next request with exactly that signed token
    skips to comparing it with its own session's token, as Flask-WTF's last step does. So
    a remembered token is refused, as before, by a session that holds another one (another
    login, another person) or none (after logout, or a session that was emptied); a token
    never seen, changed by one byte, or signed with another key goes through Flask-WTF's
    full check. With a time limit on tokens (WTF_CSRF_TIME_LIMIT; the board sets none) every
    check is Flask-WTF's own."""

    _REMEMBERED = 4096  # signed tokens (about 0.2 KiB each with what they carry)

    def __init__(self, app=None) -> None:
        self._verified: dict[str, str] = {}
        self._verified_with: str | bytes | None = None
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        """Flask-WTF's `protect`, with `_validate` for its `validate_csrf`. The method is
        asked before the exemptions, not after them: a read needs neither answer, and the
        exemptions' look-up cost every read about 5 µs. The request and the app are the
        objects, not Flask's proxies (see db.db_for_request)."""
        asked = request._get_current_object()
        config = current_app._get_current_object().config
        if asked.method not in config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not asked.endpoint or self._is_exempt()):
            return
        try:
            self._validate(self._get_csrf_token())
        except ValidationError as e:
            log.info(e.args[0])
            self._error_response(e.args[0])
        # Over HTTPS Flask-WTF also wants a same-origin Referer. Page forms keep that check;
        # the JSON API takes the token alone, as the contract says (scripts and integrations
        # send no Referer; a browser on another site cannot send a JSON body without CORS
        # asking first, and any other body type is a 415: board/inputs.py).
        if asked.is_secure and config["WTF_CSRF_SSL_STRICT"] and not asked.path.startswith("/api/"):
            if not asked.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(asked.referrer, f"https://{asked.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True  # mark this request as CSRF valid

    def _get_csrf_token(self) -> str | None:
        """The token sent; only a form body is looked through for a form field."""
        asked = request._get_current_object()
        if asked.mimetype in FORM_TYPES:
            return super()._get_csrf_token()
        for header_name in current_app._get_current_object().config["WTF_CSRF_HEADERS"]:
            token = asked.headers.get(header_name)
            if token:
                return token
        return None

    def _validate(self, data: str | None) -> None:
        app = current_app._get_current_object()
        config = app.config
        field_name = config["WTF_CSRF_FIELD_NAME"]
        if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
            validate_csrf(data)  # a token's age is checked with its signature
            return
        key = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        if key != self._verified_with:
            self._verified, self._verified_with = {}, key  # nothing from the old key counts
        carried = self._verified.get(data) if data else None
        held = session._get_current_object().get(field_name)
        if carried is None or not isinstance(held, str):
            validate_csrf(data)  # Flask-WTF's full check; it raises what fails
            held = session[field_name]  # what the signature carried, as it compared equal
            if isinstance(held, str):
                keep(self._verified, data, held, self._REMEMBERED)
            return
        if not hmac.compare_digest(held, carried):
            raise ValidationError("The CSRF tokens do not match.")


csrf = RememberingCSRF()
