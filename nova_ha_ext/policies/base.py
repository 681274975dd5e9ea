"""Names and check strings shared by the extension's policy rules."""

# NOTE: host recovery fences and evacuates whole hypervisors, so every rule
# defaults to Nova's own admin rule. Reusing Nova's rule name (rather than
# "role:admin") means an operator who redefines "context_is_admin" in
# policy.yaml changes this API with the rest of Nova.
ADMIN = 'rule:context_is_admin'

POLICY_ROOT = 'os_compute_api:os-ha:%s'

# NOTE: the API does not filter what it shows by project: a host, its
# failure and its task hold the instances of every project that ran there.
# Opening a read rule to project members therefore shows each of them
# other projects' instance uuids and the cloud's hosts; said in every
# read rule's description (so in generated policy files) and in
# doc/api-ref.md.
OPERATORS_ONLY = (' For operators only: the answer is not filtered by '
                  'project (it names the hosts and, for evacuations, the '
                  'instances of every project), so do not open this rule '
                  'to project members or readers.')
