"""Browser tests: a package, so its conftest never takes the place of tests/conftest.py
as the module `conftest` that other test modules import from."""
