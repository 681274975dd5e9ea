"""End-to-end tier: tests against a running minicloud (tools/run-e2e.sh).

Not under nova_ha_ext/tests, so the unit and functional stestr runs never
discover it; it has its own config, .stestr.e2e.conf.
"""
