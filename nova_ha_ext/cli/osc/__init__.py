"""The ``openstack ha ...`` commands (an OpenStackClient plugin).

``plugin`` is what OSC loads from the ``openstack.cli.extension`` entry
point; ``hosts`` and ``evacuations`` hold the commands it finds in the
``openstack.ha.v1`` group.
"""
