"""`python app.py` for the browser tests, with one difference: Argon2 at the tests' cheap
parameters (tests/cheap_hashing.py), set before app.py runs as `__main__`.

The browser tests log in hundreds of times; at the production cost each login was about
0.2 s of the server's CPU, which the unit tests avoid the same way. Everything else is
app.py itself, run by runpy as `python app.py` runs it.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from board import people
from tests.cheap_hashing import cheap_password_hasher

if __name__ == "__main__":
    people.set_password_hasher(cheap_password_hasher())
    runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
