"""The domain's few exception classes, mapped to the contract's error envelope in one place."""

from __future__ import annotations


class BoardError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, fields: dict | None = None, **params):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields
        self.params = params  # values for the translated message


class Invalid(BoardError):
    status = 400
    code = "invalid"


class UnsupportedMediaType(BoardError):
    status = 415
    code = "unsupported_media_type"


class Unauthenticated(BoardError):
    status = 401
    code = "not_logged_in"


class Denied(BoardError):
    status = 403
    code = "forbidden"


class NotFound(BoardError):
    status = 404
    code = "not_found"


class Conflict(BoardError):
    status = 409
    code = "conflict"


class TooManyRequests(BoardError):
    status = 429
    code = "too_many_requests"


class FieldMessage(str):
    """An English field message that remembers its values, so that the error handler can
    translate the sentence and fill them in afterwards. It is a plain str everywhere else."""

    template: str
    params: dict

    def __new__(cls, template: str, **params) -> FieldMessage:
        message = super().__new__(cls, template % params)
        message.template = template
        message.params = params
        return message
