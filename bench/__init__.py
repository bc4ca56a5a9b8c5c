"""Benchmarks: `python -m bench` (what `make bench` runs). Speed is measured here, never asserted
in the test suite."""
