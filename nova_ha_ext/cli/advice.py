"""The API's advice, said in the words of the CLI the operator typed.

The API's messages tell a REST caller what to do next ("GET
/os-ha/hosts", "repeat the call with "force": true"). Someone who typed
``nova ha-force-down`` or ``openstack ha host force down`` needs the
command instead; the rest of the message is the API's own.
"""

import re

_UUID = r'(?P<uuid>[0-9a-fA-F-]{36})'
_HOST = r'(?P<host>[^\s)]+)'

#: (pattern, {cli: replacement}); the first ones are the most specific.
_RULES = (
    (r'POST /os-ha/evacuations/%s/action \{"cancel": null\}' % _UUID,
     {'nova': r'nova ha-evacuation-cancel \g<uuid>',
      'openstack': r'openstack ha evacuation cancel \g<uuid>'}),
    (r'POST /os-ha/evacuations/%s/action \{"retry": null\}' % _UUID,
     {'nova': r'nova ha-evacuation-retry \g<uuid>',
      'openstack': r'openstack ha evacuation retry \g<uuid>'}),
    (r'GET /os-ha/evacuations/%s' % _UUID,
     {'nova': r'nova ha-evacuation-show \g<uuid>',
      'openstack': r'openstack ha evacuation show \g<uuid>'}),
    (r'GET /os-ha/evacuations',
     {'nova': 'nova ha-evacuation-list',
      'openstack': 'openstack ha evacuation list'}),
    (r'GET /os-ha/hosts',
     {'nova': 'nova ha-host-list', 'openstack': 'openstack ha host list'}),
    (r'PUT /os-ha/hosts/%s with "fenced": true' % _HOST,
     {'nova': r'nova ha-force-down --fenced \g<host>',
      'openstack': r'openstack ha host force down --fenced \g<host>'}),
    (r'repeat the call with "fenced": true',
     {'nova': 'repeat the command with --fenced',
      'openstack': 'repeat the command with --fenced'}),
    (r'repeat the call with "force": true',
     {'nova': 'repeat the command with --force',
      'openstack': 'repeat the command with --force'}),
)
_COMPILED = tuple((re.compile(pattern), words) for pattern, words in _RULES)


def for_cli(message, cli):
    """``message`` with its REST advice put as ``cli``'s commands.

    :param cli: ``nova`` or ``openstack``.
    """
    for pattern, words in _COMPILED:
        message = pattern.sub(words[cli], message)
    return message
