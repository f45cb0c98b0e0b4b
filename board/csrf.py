"""CSRF protection (Flask-WTF) for every state-changing form and JSON request.

JSON clients send the token in `X-CSRF-Token`; forms send the `csrf_token` field.
"""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
