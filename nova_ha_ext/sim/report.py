"""What the simulator prints: progress, placement tables, timings."""

import time

import prettytable

_BAR_WIDTH = 30


class Progress:
    """A one-line progress bar for an evacuation task.

    On a terminal the line is redrawn in place; otherwise (a log, a test)
    a line is written only when the counts change, so the output stays
    short and readable.
    """

    def __init__(self, out, started, tty=None):
        self.out = out
        self.started = started
        self.tty = out.isatty() if tty is None else tty
        self._last = None

    def update(self, evacuation):
        counts = evacuation['counts']
        done = counts['total'] - counts['remaining']
        evacuating = sum(1 for item in evacuation.get('instances', ())
                         if item['status'] == 'evacuating')
        key = (done, evacuating, counts['failed'], evacuation['status'])
        filled = (_BAR_WIDTH * done // counts['total']
                  if counts['total'] else _BAR_WIDTH)
        line = '[%s%s] %d/%d done  %d evacuating  %d failed  %5.1fs  %s' % (
            '#' * filled, '.' * (_BAR_WIDTH - filled), done,
            counts['total'], evacuating, counts['failed'],
            time.monotonic() - self.started, evacuation['status'])
        if self.tty:
            self.out.write('\r' + line)
        elif key != self._last:
            self.out.write(line + '\n')
        self._last = key
        self.out.flush()

    def finish(self):
        if self.tty:
            self.out.write('\n')


def _table(columns):
    table = prettytable.PrettyTable(columns)
    table.align = 'l'
    return table


def hosts_table(hosts, racks, before, after):
    """Per host: rack, state, and how many servers it held before/after."""
    table = _table(['Host', 'Rack', 'State', 'Forced down', 'Servers before',
                    'Servers after'])
    for host in hosts:
        name = host['host']
        table.add_row([name, racks.get(name, '-'), host['state'],
                       'yes' if host['forced_down'] else 'no',
                       before.get(name, 0), after.get(name, 0)])
    return table.get_string()


def servers_table(rows):
    """The failed hosts' servers: where they were, where they are."""
    table = _table(['Server', 'Opted in by', 'Group', 'Before', 'After',
                    'Status', 'Evacuation item'])
    for row in rows:
        table.add_row(row)
    return table.get_string()


def timings_table(timings):
    table = _table(['Step', 'Seconds'])
    table.align['Seconds'] = 'r'
    for step, seconds in timings:
        table.add_row([step, '-' if seconds is None else '%.2f' % seconds])
    return table.get_string()
