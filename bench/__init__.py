"""`make bench`: measure the router (Layer 1) against a direct worker, nginx and an aiohttp proxy.

Run as `python -m bench` (full, writes docs/benchmarks.md) or `python -m bench --quick` (smoke run).
Everything listens on 127.0.0.1 or on Unix sockets in a temporary folder and is stopped at the end.
"""
