"""The nova and openstack CLI plugins for the /os-ha API."""
