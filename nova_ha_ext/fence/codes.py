"""Exit codes of the agent, as ClusterLabs' fence agents number them.

Once set, they are set: cluster scripts and operators read them. The
FenceAgentAPI itself defines only 0 (success), 1 (failure) and, for
``status``/``monitor``, 2 (reachable, target OFF); every other non-zero
code is a failure to Pacemaker, so the finer codes below only help a
human tell the causes apart.
"""

EC_OK = 0
EC_GENERIC_ERROR = 1
# NOTE: the fencing library defines 2 for bad arguments but exits 1 on
# them, and so does this agent: to ``status`` and ``monitor`` an exit
# status of 2 means "the target is OFF", which a mistyped option must
# never claim. The name is kept so the table reads like the library's.
EC_BAD_ARGS = 2
EC_STATUS_OFF = 2
EC_LOGIN_DENIED = 3
EC_CONNECTION_LOST = 4
EC_TIMED_OUT = 5
EC_WAITING_ON = 6
EC_WAITING_OFF = 7
EC_STATUS = 8

#: What each failure code means, prefixed to the detail on stderr.
MESSAGES = {
    EC_LOGIN_DENIED: 'Unable to authenticate to OpenStack',
    EC_CONNECTION_LOST: 'Unable to connect to OpenStack',
    EC_TIMED_OUT: 'Timed out talking to OpenStack',
    EC_WAITING_ON: 'Timed out waiting to force the host up',
    EC_WAITING_OFF: 'Failed to force the host down',
    EC_STATUS: 'Unable to obtain the host status',
}
