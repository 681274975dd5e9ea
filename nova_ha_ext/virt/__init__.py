"""nova-ha-ext's libvirt driver and what it needs.

NOTE: this package is imported at interpreter start-up by the .pth file the
distribution installs (see ``alias.py``), so this module must stay empty of
imports: anything imported here would be paid by every Python process of
the environment.
"""
