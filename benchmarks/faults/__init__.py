"""Benchmark: the long batch of seeded randomized fault runs.

``python -m benchmarks.faults [--runs 300] [--seed S] [--jobs 2]`` runs
``nova_ha_ext.tests.functional.faults.randomized`` for the seeds S ..
S+runs-1, each in a fresh in-process cloud, in ``--jobs`` child processes
(a few runs each), and prints: the runs, the faults injected per kind, the
violations per invariant (I1-I8 of doc/recovery-state-machine.md) with the
seeds that violated, and the widest ``call_window_ms`` seen (the residual
window before Nova's evacuate call). It exits 1 on any violation or harness
error. ``test_randomized`` runs a few fixed seeds of the same driver in CI.

This module imports nothing heavy: the concurrency mode of each child is
chosen before Nova is loaded.
"""
