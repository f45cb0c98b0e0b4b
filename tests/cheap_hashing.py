"""Argon2 at its cheapest settings, for the tests and the servers they start: tests check
behaviour, not the cost of hashing (the production parameters take about 0.2 s of CPU per
hash and per login). tests/test_passwords.py checks that the board, as `python app.py`
starts it, keeps the production parameters."""

from __future__ import annotations


def cheap_password_hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
