"""Benchmarks: run as ``python -m benchmarks.<name>``; each prints a table.

They are not tests: nothing here asserts on timings.
"""
