"""The minicloud benchmark's table, JSON document and plot."""

import json
import os

# (what, nova-ha-ext's figure, the other contender, its figure, ratio
#  bound): the goals of the recovery-at-scale issue.
GOALS = (
    ('every instance confirmed', 'confirmed_s', 'operator-loop',
     'confirmed_s', 0.5),
    ('every instance confirmed', 'confirmed_s', 'masakari-waits0',
     'confirmed_s', 0.2),
    ('every instance confirmed', 'confirmed_s', 'floor', 'confirmed_s',
     1.15),
    ('last evacuation accepted', 'accepted_s', 'operator-loop',
     'accepted_s', 0.25),
)
ROWS = (
    ('fence call -> its command returned (s)', 'calls_returned_s'),
    ('fence call -> every evacuation accepted by Nova (s)', 'accepted_s'),
    ('fence call -> every instance ACTIVE elsewhere (s)', 'confirmed_s'),
    ("fence call -> the tool's own end, if it tracks (s)", 'own_done_s'),
    ('evacuations per instance (min-max)', 'evacuations_per_instance'),
    ("CPU s of the recovery's own processes", 'cpu_own_s'),
    ("CPU s of the rest of the cloud (Nova, Keystone...)", 'cpu_cloud_s'),
    ('every instance ACTIVE on another host exactly once', 'ok'),
)


def _cell(value):
    if value is None:
        return 'n/a'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if isinstance(value, list):
        return '-'.join(str(v) for v in value)
    if isinstance(value, float):
        return '%.1f' % value
    return str(value)


def goals(results):
    """[(goal text, ratio or None, met)] for what this run measured."""
    by_key = {r['key']: r for r in results}
    ext = by_key.get('nova-ha-ext')
    verdicts = []
    for what, mine, other, theirs, bound in GOALS:
        if ext is None or other not in by_key:
            continue
        a, b = ext[mine], by_key[other][theirs]
        ratio = a / b if a is not None and b else None
        verdicts.append(('%s: nova-ha-ext <= %.2f x %s' % (what, bound,
                                                            other),
                         ratio, ratio is not None and ratio <= bound))
    verdicts.append(('every instance ACTIVE on another host exactly once, '
                     'in every run', None, all(r['ok'] for r in results)))
    return verdicts


def table(results, settings_rows):
    import prettytable

    figures = prettytable.PrettyTable(['seconds from t0'] + [
        r['key'] for r in results])
    figures.align = 'l'
    for label, field in ROWS:
        figures.add_row([label] + [_cell(r[field]) for r in results])
    verdicts = prettytable.PrettyTable(['goal', 'ratio', ''])
    verdicts.align = 'l'
    for text, ratio, met in goals(results):
        verdicts.add_row([text, '%.2f' % ratio if ratio is not None else
                          '-', 'met' if met else 'MISSED'])
    config = prettytable.PrettyTable(['setting', 'value'])
    config.align = 'l'
    for row in settings_rows:
        config.add_row(row)
    lines = [figures.get_string(), verdicts.get_string(),
             config.get_string()]
    for r in results:
        lines.append('%s = %s' % (r['key'], r['label']))
        if r.get('destinations'):
            lines.append('  destinations: ' + ', '.join(
                '%s %d' % item for item in sorted(r['destinations'].items())))
        for text in r['problems']:
            lines.append('  PROBLEM: ' + text)
        for text in r['notes']:
            lines.append('  ' + text)
    return '\n'.join(lines)


def document(results, settings_rows):
    """The --json document: every figure of the table, and the curves."""
    return json.dumps({
        'settings': dict(settings_rows),
        'results': results,
        'goals': [{'goal': text, 'ratio': ratio, 'met': met}
                  for text, ratio, met in goals(results)],
    }, indent=1, sort_keys=True)


def plot(results, path, title):
    """Instances confirmed over time, one line per contender."""
    import matplotlib
    matplotlib.use('Agg')  # no screen: files only
    from matplotlib import pyplot

    fig, ax = pyplot.subplots(figsize=(9, 5.5), dpi=110)
    for r in results:
        if not r['curve']:
            continue
        times = [0.0] + [t for t, _accepted, _n in r['curve']]
        counts = [0] + [n for _t, _accepted, n in r['curve']]
        ax.step(times, counts, where='post', label='%s (%s s)' % (
            r['label'], _cell(r['confirmed_s'])))
    ax.set_xlabel('seconds since the fence call (or notification)')
    ax.set_ylabel('instances ACTIVE on another host')
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc='lower right', fontsize='small')
    fig.tight_layout()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fig.savefig(path)
    pyplot.close(fig)
