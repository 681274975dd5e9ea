"""nova-ha-ext: instance high availability for OpenStack Nova."""
