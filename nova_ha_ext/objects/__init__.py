"""Versioned objects of nova-ha-ext, registered with Nova's registry."""


def register_all():
    # NOTE: like nova.objects.register_all(): every process that may
    # receive these objects over RPC must import them first.
    __import__('nova_ha_ext.objects.host_evacuation')
    __import__('nova_ha_ext.objects.instance_evacuation')
