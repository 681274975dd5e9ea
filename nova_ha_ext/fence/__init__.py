"""``fence_nova_ha``: the Pacemaker fence agent of host recovery.

Pacemaker runs it after a compute node's power fencing (IPMI) succeeded;
it tells Nova the host is down with fencing attested, so the HA conductor
evacuates the host's instances at once. It speaks the fence-agent
protocol itself (options on the command line or as ``key=value`` lines on
stdin, exit codes, XML metadata) and needs only keystoneauth1 and
:mod:`nova_ha_ext.client` -- never Nova -- so it installs on cluster
nodes that run no OpenStack service.

``codes`` holds the exit codes, ``options`` the option table and its two
parsers, ``metadata`` the XML and help text, ``agent`` the actions.
"""
