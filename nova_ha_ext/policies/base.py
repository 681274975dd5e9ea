"""Names and check strings shared by the extension's policy rules."""

# NOTE: host recovery fences and evacuates whole hypervisors, so every rule
# defaults to Nova's own admin rule. Reusing Nova's rule name (rather than
# "role:admin") means an operator who redefines "context_is_admin" in
# policy.yaml changes this API with the rest of Nova.
ADMIN = 'rule:context_is_admin'

POLICY_ROOT = 'os_compute_api:os-ha:%s'
