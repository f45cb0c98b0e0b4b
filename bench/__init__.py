"""Benchmarks. `make bench` runs the Socket.IO fan-out benchmark (bench/fanout.py)."""
