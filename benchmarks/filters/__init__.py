"""Per-host cost of FailureDomainAntiAffinityFilter vs Nova's filter.

Run from the repository root: ``python -m benchmarks.filters``.
"""
