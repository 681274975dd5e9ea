"""What the agent says about itself: the XML Pacemaker reads, and --help.

The XML follows fence-agents' ``metadata.rng``: Pacemaker and pcs read
the parameters (to validate a stonith resource and to learn whether the
target is passed as ``plug`` or ``port``) and the actions.
"""

from xml.etree import ElementTree

from nova_ha_ext.fence import options as opts_mod

SHORTDESC = ('Fence agent that forces an OpenStack compute host down and '
             'has Nova evacuate its instances (nova-ha-ext)')
LONGDESC = (
    'fence_nova_ha tells Nova that a compute host has been fenced: it '
    'forces the host\'s nova-compute service down with fencing attested '
    'through the nova-ha-ext API (PUT /v2.1/os-ha/hosts/HOST), so Nova '
    'stops waiting for the heartbeat timeout and the HA conductor '
    'evacuates the host\'s instances (the tagged ones by default). It does '
    'not cut power itself: configure it in the same fencing level as, and '
    'after, the device that does (IPMI), so it runs only once the host is '
    'really off. "reboot" is the same as "off": the agent cannot bring a '
    'host back. "on" (unfencing, when the node rejoins) waits for the '
    'host\'s evacuation to finish, then forces nova-compute up again.')
VENDOR_URL = 'https://www.openstack.org/'

# Every action the agent answers; "on" is marked automatic so Pacemaker
# unfences the node when it rejoins (as for fence_compute).
_ACTIONS = opts_mod.ACTIONS


def _getopt(option, alias=False):
    if alias:
        flags = [option.alias_flag]
    else:
        flags = list(option.flags)
    text = ', '.join(flags)
    if option.takes_value:
        text += '=[%s]' % option.metavar
    return text


def _parameter(parent, option, alias=False):
    attrs = {'name': option.alias if alias else option.name,
             'unique': '0', 'required': '1' if option.required and
             not alias else '0'}
    if alias:
        attrs['deprecated'] = '1'
    elif option.alias:
        attrs['obsoletes'] = option.alias
    parameter = ElementTree.SubElement(parent, 'parameter', attrs)
    ElementTree.SubElement(parameter, 'getopt',
                           {'mixed': _getopt(option, alias)})
    content = {'type': option.content_type}
    if option.default is not None:
        content['default'] = str(option.default)
    element = ElementTree.SubElement(parameter, 'content', content)
    for choice in option.choices or ():
        ElementTree.SubElement(element, 'option', {'value': choice})
    shortdesc = ElementTree.SubElement(parameter, 'shortdesc',
                                       {'lang': 'en'})
    shortdesc.text = option.shortdesc
    if alias:
        shortdesc.text = 'Replaced by %s' % option.name


def xml():
    """The metadata document, as text."""
    root = ElementTree.Element('resource-agent', {
        'name': opts_mod.PROG, 'shortdesc': SHORTDESC})
    ElementTree.SubElement(root, 'longdesc').text = LONGDESC
    ElementTree.SubElement(root, 'vendor-url').text = VENDOR_URL
    parameters = ElementTree.SubElement(root, 'parameters')
    for option in opts_mod.OPTIONS:
        _parameter(parameters, option)
        if option.alias:
            _parameter(parameters, option, alias=True)
    actions = ElementTree.SubElement(root, 'actions')
    for name in _ACTIONS:
        attrs = {'name': name}
        if name == 'on':
            attrs['automatic'] = '1'
        ElementTree.SubElement(actions, 'action', attrs)
    ElementTree.indent(root, space='\t')
    return ('<?xml version="1.0" ?>\n' +
            ElementTree.tostring(root, encoding='unicode') + '\n')


def help_text():
    """``--help``: every option with its flags, meaning and default."""
    lines = [opts_mod.USAGE, '', SHORTDESC + '.', '', 'Options:']
    for option in opts_mod.OPTIONS:
        flags = _getopt(option)
        text = option.shortdesc
        if option.default is not None:
            text += ' (default: %s)' % option.default
        lines.append('   %-32s %s' % (flags, text))
    aliases = ', '.join('%s (%s)' % (o.alias_flag, '/'.join(o.flags))
                        for o in opts_mod.OPTIONS if o.alias)
    lines += ['', 'Classic names also accepted: %s.' % aliases,
              'On stdin, use the long names with underscores or dashes '
              '(auth_url=..., plug=...); nodename= is used when no plug is '
              'given.', '',
              'Exit status: 0 success (status: ON), 1 failure or bad '
              'options, 2 status OFF, 3 authentication refused, 4 '
              'connection failed, 5 timed out, 6 the evacuation did not '
              'finish in time for "on".']
    return '\n'.join(lines) + '\n'
