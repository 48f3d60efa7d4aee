"""Benchmarks (`make bench`): speed targets are proven here, not in timed tests."""
