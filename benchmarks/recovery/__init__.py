"""Benchmark: recovering a failed host, nova-ha-ext versus by hand.

``python -m benchmarks.recovery [--computes 10] [--servers 200]
[--spawn-delay 0.5] [--repeat 1]`` builds an in-process cloud (Nova's real
API, conductor, scheduler and placement; fake computes whose spawn sleeps
``--spawn-delay`` seconds, like a hypervisor would work), puts the tagged
servers on one host, fences it and recovers it twice, each time in a fresh
identical cloud:

* with the extension: ``PUT /os-ha/hosts/{host}``, the HA conductor
  evacuates and confirms every instance;
* as an operator does today: force the service down
  (``PUT /os-services/{id}``), ``GET /servers/detail?host=`` then one
  ``evacuate`` action per server in turn (what ``nova host-evacuate``
  does), then poll ``GET /servers/detail`` until all are ACTIVE elsewhere.

It prints a table of the times (stdout), progress on stderr. Nothing is
asserted: the goals are printed next to the measurements.

This module imports nothing heavy so that the command line is parsed (and
the threading mode chosen) before Nova is loaded.
"""
