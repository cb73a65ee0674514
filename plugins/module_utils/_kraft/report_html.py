# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The run report as one self-contained HTML page: verdicts, a per-host timeline (SVG), traffic, waits, diffs.

``render(report)`` takes the JSON dict that migration_report writes (plus the ``traffic`` section the
sandbox's traffic check may add later) and returns the page as a string: inline CSS and SVG, no
script, no external asset, so it can be attached to a change ticket. It is pure and can be called
again on a report that gained a section. Secret values are masked again here, whatever the JSON says.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import (
    WAIT_KEYS,
    in_migration_order,
    masked_changes,
    phase_sort_key,
)

PHASE_COLOURS = {
    "zookeeper": "#9e9e9e", "controllers": "#8e7cc3", "migration": "#e69138", "dual_write": "#3d85c6",
    "kraft": "#6aa84f", "rollback_hybrid": "#cc4125", "rollback_zookeeper": "#a64d79",
}
OTHER_PHASE_COLOUR = "#757575"
# Each wait, in the order the roles run them (the last one ends when the node is healthy).
WAITS = (
    ("zk_registration_wait", "registration in ZooKeeper", "#f1c232"),
    ("kraft_registration_wait", "registration with the KRaft controllers", "#6fa8dc"),
    ("under_replicated_wait", "no under-replicated partition", "#93c47d"),
    ("seconds", "quorum leader", "#c27ba0"),
)
WAIT_LABELS = {wait[0]: wait[1] for wait in WAITS}
WAIT_COLOURS = {wait[0]: wait[2] for wait in WAITS}
RESTART_COLOUR = "#37474f"

# Timeline geometry (SVG user units; the picture scales to the page width).
WIDTH = 1200
LABEL_WIDTH = 150
RIGHT_PAD = 24
BAND_LABEL_HEIGHT = 46
LABEL_CHAR_WIDTH = 6.6    # about, for a 12-unit bold label: enough to move a label that would overlap
ROW_HEIGHT = 28
BAR_HEIGHT = 16
AXIS_HEIGHT = 30
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)

STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "warn": "CHECK", "info": "INFO"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#212121;margin:0;background:#fafafa}
main{max-width:1240px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #e0e0e0;padding-bottom:4px}
.sub{color:#555;margin:0 0 14px}.muted{color:#757575}
.verdicts{display:flex;flex-wrap:wrap;gap:8px}
.verdict{border-radius:6px;padding:7px 11px;background:#fff;border:1px solid #e0e0e0;border-left-width:6px;min-width:220px}
.verdict b{display:block;font-size:12px;letter-spacing:.04em}
.v-pass{border-left-color:#43a047}.v-pass b{color:#2e7d32}.v-fail{border-left-color:#e53935}.v-fail b{color:#c62828}
.v-warn{border-left-color:#fb8c00}.v-warn b{color:#ef6c00}.v-info{border-left-color:#90a4ae}.v-info b{color:#546e7a}
.overall{display:inline-block;border-radius:4px;padding:1px 8px;color:#fff;font-weight:600;font-size:13px}
.o-pass{background:#43a047}.o-fail{background:#e53935}.o-warn{background:#fb8c00}
svg{background:#fff;border:1px solid #e0e0e0;border-radius:6px;width:100%;height:auto}
svg text{font-family:system-ui,"DejaVu Sans",sans-serif}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:6px 0 0;font-size:13px}
.key{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;background:#fff;border:1px solid #e0e0e0;font-size:13px;margin:4px 0 10px}
th,td{padding:4px 10px;border-bottom:1px solid #eeeeee;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
pre{background:#fff;border:1px solid #e0e0e0;padding:8px;overflow:auto}
.old{color:#b71c1c}.new{color:#1b5e20}.masked{color:#6a1b9a;font-style:italic}
details{margin:6px 0}summary{cursor:pointer}
"""


def _num(value: Any) -> float | None:
    try:
        return None if value is None or value == "" or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def duration(seconds: float | None) -> str:
    """``12.3 s``, ``4:05`` or ``1:02:03``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if abs(seconds) < 60:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"+{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"+{rest // 60}:{rest % 60:02d}"


def _utc(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def phase_colour(phase: str) -> str:
    return PHASE_COLOURS.get(phase, OTHER_PHASE_COLOUR)


def phase_title(phase: str) -> str:
    return phase.replace("_", " ")


# --------------------------------------------------------------------------- data


def restart_intervals(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every host step of the report's timeline, with ``host``; ordered by time then host."""
    steps: list[dict[str, Any]] = []
    for host, info in (report.get("hosts") or {}).items():
        for step in (info or {}).get("timeline") or []:
            steps.append(dict(step, host=str(host)))
    return sorted(steps, key=lambda s: (_num(s.get("stopped_at")) or _num(s.get("healthy_at")) or float("inf"),
                                        phase_sort_key(str(s.get("phase"))), s["host"]))


def timed_restarts(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The restarts the timeline can draw: restarted, with a stop and a healthy time."""
    return [s for s in restart_intervals(report) if s.get("restarted")
            and _num(s.get("stopped_at")) is not None and _num(s.get("healthy_at")) is not None]


def _wait_segments(step: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    """(wait key, start, end) laid back to back so that the last wait ends when the node was healthy."""
    healthy = _num(step.get("healthy_at"))
    if healthy is None:
        return []
    segments: list[tuple[str, float, float]] = []
    end = healthy
    for key in reversed([wait[0] for wait in WAITS]):
        seconds = _num(step.get(key))
        if seconds:
            segments.append((key, end - seconds, end))
            end -= seconds
    return list(reversed(segments))


def verdicts(report: Mapping[str, Any]) -> list[dict[str, str]]:
    """What the run proves, each ``{name, status (pass|fail|warn|info), detail}``."""
    out: list[dict[str, str]] = []
    before, after = str(report.get("phase_before", "unknown")), str(report.get("phase_after", "unknown"))
    out.append({"name": "Phase reached", "status": "warn" if after == "unknown" else "pass",
                "detail": f"{phase_title(before)} \u2192 {phase_title(after)}"})
    steps = restart_intervals(report)
    restarted = [s for s in steps if s.get("restarted")]
    if restarted:
        unhealthy = sorted({s["host"] for s in restarted if _num(s.get("stopped_at")) is not None
                            and _num(s.get("healthy_at")) is None})
        out.append({"name": "Every restarted node came back healthy",
                    "status": "fail" if unhealthy else "pass",
                    "detail": ("no healthy time for {}".format(", ".join(unhealthy))) if unhealthy
                    else f"{len(restarted)} restart(s) on {len({s['host'] for s in restarted})} host(s)"})
    gaps = [g for g in report.get("roll_gaps") or [] if _num(g.get("seconds")) is not None]
    if gaps:
        worst = max(gaps, key=lambda g: float(g["seconds"]))
        out.append({"name": "Pause between two brokers of a roll", "status": "info",
                    "detail": "max {} ({}, {} \u2192 {})".format(duration(float(worst["seconds"])), phase_title(
                        str(worst.get("phase"))), worst.get("after"), worst.get("before"))})
    traffic = report.get("traffic")
    if isinstance(traffic, Mapping):
        lost = _num(traffic.get("lost"))
        out.append({"name": "No acknowledged message lost",
                    "status": "info" if lost is None else ("pass" if lost == 0 else "fail"),
                    "detail": "{} lost of {} acknowledged, {} consumed".format(
                        _count(traffic.get("lost")), _count(traffic.get("acknowledged")), _count(traffic.get("consumed")))})
        errors = _num(traffic.get("produce_errors"))
        if errors is not None:
            out.append({"name": "Producer errors", "status": "pass" if errors == 0 else "warn",
                        "detail": "{} produce error(s), {} duplicate(s)".format(
                            _count(traffic.get("produce_errors")), _count(traffic.get("duplicates")))})
        rolls = {p: _num(g) for p, g in (traffic.get("gaps_during_rolls") or {}).items() if _num(g) is not None}
        if rolls:
            phase, gap = max(rolls.items(), key=lambda item: item[1] or 0.0)
            out.append({"name": "Longest pause in acknowledged sends during a roll", "status": "info",
                        "detail": f"{duration(gap)} ({phase_title(phase)})"})
    return out


def overall(found: Sequence[Mapping[str, str]]) -> str:
    statuses = {v["status"] for v in found}
    return "fail" if "fail" in statuses else ("warn" if "warn" in statuses else "pass")


def _count(value: Any) -> str:
    number = _num(value)
    if number is None:
        return "-"
    return f"{int(number):,}" if number == int(number) else f"{number:.3f}"


# --------------------------------------------------------------------------- timeline


def _tick_step(span: float) -> int:
    for step in TICK_STEPS:
        if span / step <= 12:
            return step
    return TICK_STEPS[-1]


def _host_order(report: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> list[str]:
    first: dict[str, float] = {}
    for step in steps:
        stamp = _num(step.get("stopped_at")) or _num(step.get("healthy_at"))
        if stamp is not None:
            first[step["host"]] = min(first.get(step["host"], stamp), stamp)
    hosts = list(report.get("hosts") or {})
    return sorted(hosts, key=lambda h: (h not in first, first.get(h, 0.0), h))


def timeline_svg(report: Mapping[str, Any]) -> str:
    """One row per host, one bar per restart (class ``restart``) from stop to healthy, the waits
    inside it (class ``wait``), each phase's roll as a band (class ``band``)."""
    steps = restart_intervals(report)
    hosts = _host_order(report, steps)
    phases = in_migration_order(report.get("phases") or {})
    stamps: list[float] = []
    for step in steps:
        stamps += [t for t in (_num(step.get("stopped_at")), _num(step.get("healthy_at"))) if t is not None]
        stamps += [segment[1] for segment in _wait_segments(step)]
    for info in phases.values():
        stamps += [t for t in (_num(info.get("first_stop")), _num(info.get("last_healthy"))) if t is not None]
    if not stamps:
        return ""
    # The whole run when its ends are known (the parts without recorded times show as empty space).
    first, last = min(stamps), max(stamps)
    stamps += [t for t in (_num(report.get("started_at")), _num(report.get("finished_at")))
               if t is not None and first - 4 * (last - first + 1) < t < last + 4 * (last - first + 1)]
    t0, t1 = min(stamps), max(stamps)
    span = max(t1 - t0, 1.0)
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    height = BAND_LABEL_HEIGHT + ROW_HEIGHT * max(len(hosts), 1) + AXIS_HEIGHT
    rows_bottom = BAND_LABEL_HEIGHT + ROW_HEIGHT * max(len(hosts), 1)

    def x(stamp: float) -> float:
        return round(LABEL_WIDTH + (stamp - t0) / span * plot, 2)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
           'aria-label="Timeline of every stop, start and wait per host">']
    out.append('<title>Timeline of the run: one row per host, one bar per restart, the waits inside it</title>')
    # Host rows (zebra), then phase bands over them, then the bars.
    for i, host in enumerate(hosts):
        top = BAND_LABEL_HEIGHT + i * ROW_HEIGHT
        if i % 2 == 0:
            out.append(f'<rect class="row" x="0" y="{top}" width="{WIDTH}" height="{ROW_HEIGHT}" fill="#f7f9fa"/>')
        out.append(f'<text x="10" y="{top + ROW_HEIGHT // 2 + 4}" font-size="13" fill="#263238">{_e(host)}</text>')
    traffic_gaps = (report.get("traffic") or {}).get("gaps_during_rolls") or {} if isinstance(
        report.get("traffic"), Mapping) else {}
    label_ends = [0.0, 0.0]   # right end of the last label on each of the two label lines
    for phase, info in phases.items():
        band_first, band_last = _num(info.get("first_stop")), _num(info.get("last_healthy"))
        if band_first is None or band_last is None:
            continue
        colour = phase_colour(phase)
        left, right = x(band_first), x(band_last)
        out.append(f'<rect class="band" data-phase="{_e(phase)}" x="{left}" y="{BAND_LABEL_HEIGHT - 6}" '
                   f'width="{round(max(right - left, 1.0), 2)}" height="{rows_bottom - BAND_LABEL_HEIGHT + 6}" fill="{colour}" '
                   f'fill-opacity="0.12" stroke="{colour}" stroke-opacity="0.5" stroke-dasharray="4 3">'
                   f'<title>{_e(phase_title(phase))} roll: {_e(duration(band_last - band_first))}</title></rect>')
        label = f"{phase_title(phase)} \u00b7 {duration(band_last - band_first)}"
        gap = _num(traffic_gaps.get(phase))
        if gap is not None:
            label += f" \u00b7 longest ack gap {duration(gap)}"
        # A band near the right edge gets its label pulled left, so the label is not cut off.
        start = max(0.0, min(left + 3, WIDTH - 4 - LABEL_CHAR_WIDTH * len(label)))
        line = 0 if label_ends[0] <= start else (1 if label_ends[1] <= start else 0)
        label_ends[line] = start + LABEL_CHAR_WIDTH * len(label) + 8
        out.append(f'<text class="band-label" x="{round(start, 2)}" y="{BAND_LABEL_HEIGHT - 26 + 14 * line}" font-size="12" '
                   f'font-weight="600" fill="{colour}">{_e(label)}</text>')
    for i, host in enumerate(hosts):
        centre = BAND_LABEL_HEIGHT + i * ROW_HEIGHT + ROW_HEIGHT // 2
        top = centre - BAR_HEIGHT // 2
        untimed = 0
        for step in (s for s in steps if s["host"] == host):
            stopped, healthy = _num(step.get("stopped_at")), _num(step.get("healthy_at"))
            waits = ", ".join(f"{WAIT_LABELS[k]} {duration(_num(step.get(k)))}" for k in WAIT_LABELS
                              if _num(step.get(k)))
            if step.get("restarted") and stopped is not None and healthy is not None:
                tip = "{}, {}: stopped {}, healthy {} ({}){}".format(
                    host, phase_title(str(step.get("phase"))), _clock(stopped - t0), _clock(healthy - t0),
                    duration(healthy - stopped), "; waited for " + waits if waits else "")
                out.append('<rect class="restart" data-host="{}" data-phase="{}" x="{}" y="{}" width="{}" height="{}" '
                           'rx="2" fill="{}" stroke="{}" stroke-width="1.5"><title>{}</title></rect>'.format(
                               _e(host), _e(step.get("phase")), x(stopped), top, round(max(x(healthy) - x(stopped), 2.0), 2),
                               BAR_HEIGHT, RESTART_COLOUR, phase_colour(str(step.get("phase"))), _e(tip)))
            elif step.get("restarted"):
                untimed += 1
            for key, start, end in _wait_segments(step):
                if stopped is not None and step.get("restarted"):
                    start = max(start, stopped)
                if end <= start:
                    continue
                colour = WAIT_COLOURS[key]
                out.append('<rect class="wait" data-wait="{}" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                           '<title>{}, {}: waited {} for {}</title></rect>'.format(
                               key, x(start), top + 3, round(max(x(end) - x(start), 1.0), 2), BAR_HEIGHT - 6, colour,
                               _e(host), _e(phase_title(str(step.get("phase")))), _e(duration(end - start)),
                               _e(WAIT_LABELS[key])))
        if untimed:
            out.append(f'<text class="untimed" x="{WIDTH - RIGHT_PAD}" y="{centre + 4}" font-size="11" fill="#757575" '
                       f'text-anchor="end">{untimed} restart(s) without recorded times</text>')
    # Time axis.
    step_s = _tick_step(span)
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{rows_bottom}" x2="{WIDTH - RIGHT_PAD}" y2="{rows_bottom}" stroke="#90a4ae"/>')
    tick = 0
    while tick <= span + 0.001:
        tx = x(t0 + tick)
        out.append(f'<line x1="{tx}" y1="{BAND_LABEL_HEIGHT - 6}" x2="{tx}" y2="{rows_bottom + 4}" stroke="#cfd8dc" stroke-width="0.6"/>')
        out.append(f'<text x="{tx}" y="{rows_bottom + 18}" font-size="11" fill="#546e7a" text-anchor="middle">{_clock(tick)}</text>')
        tick += step_s
    out.append('</svg>')
    return "\n".join(out)


# --------------------------------------------------------------------------- page


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]]) -> str:
    """``head`` as (title, numeric); cells are already escaped HTML."""
    parts = ["<table><tr>{}</tr>".format("".join('<th{}>{}</th>'.format(' class="n"' if n else "", _e(t)) for t, n in head))]
    for row in rows:
        cells = ['<td{}>{}</td>'.format(' class="n"' if head[i][1] else "", cell) for i, cell in enumerate(row)]
        parts.append("<tr>{}</tr>".format("".join(cells)))
    parts.append("</table>")
    return "".join(parts)


def _value(text: Any) -> str:
    if text is None:
        return '<span class="muted">(none)</span>'
    if text == MASK:
        return '<span class="masked">masked</span>'
    return f"<code>{_e(text)}</code>"


def _section_verdicts(found: Sequence[Mapping[str, str]]) -> str:
    cards = ['<div class="verdict v-{}"><b>{}</b>{}<br><span class="muted">{}</span></div>'.format(
        _e(v["status"]), _e(STATUS_TEXT.get(v["status"], v["status"])), _e(v["name"]), _e(v["detail"])) for v in found]
    return '<h2>Verdicts</h2><div class="verdicts">{}</div>'.format("".join(cards))


def _section_timeline(report: Mapping[str, Any]) -> str:
    svg = timeline_svg(report)
    if not svg:
        return ('<h2>Timeline</h2><p class="muted">No stop, start or wait with a recorded time: '
                'nothing was restarted, or the report predates per-host timings.</p>')
    drawn = len(timed_restarts(report))
    phases = [p for p, i in in_migration_order(report.get("phases") or {}).items()
              if _num(i.get("first_stop")) is not None and _num(i.get("last_healthy")) is not None]
    legend = [f'<span><span class="key" style="background:{RESTART_COLOUR}"></span>restart (stop \u2192 healthy)</span>']
    waited = {segment[0] for s in restart_intervals(report) for segment in _wait_segments(s)}
    legend += [f'<span><span class="key" style="background:{c}"></span>wait: {_e(label)}</span>'
               for k, label, c in WAITS if k in waited]
    legend += [f'<span><span class="key" style="background:{phase_colour(p)};opacity:.35"></span>{_e(phase_title(p))} roll</span>' for p in phases]
    return ('<h2>Timeline</h2><p class="muted">{} restart(s) drawn; time from {}. Hover a bar for its times.</p>{}'
            '<div class="legend">{}</div>'.format(drawn, "the start of the run" if _num(report.get("started_at"))
                                                  is not None else "the first event", svg, "".join(legend)))


def _section_phases(report: Mapping[str, Any]) -> str:
    phases = in_migration_order(report.get("phases") or {})
    if not phases:
        return ""
    traffic = report.get("traffic") if isinstance(report.get("traffic"), Mapping) else {}
    gaps = (traffic or {}).get("gaps_during_rolls") or {}
    rows = [[f'<span class="key" style="background:{phase_colour(p)}"></span>{_e(phase_title(p))}',
             _e(_count(i.get("restarts"))), _e(duration(_num(i.get("duration_seconds")))),
             _e(duration(_num(i.get("wait_seconds")))), _e(duration(_num(gaps.get(p))))] for p, i in phases.items()]
    return "<h2>Phases</h2>" + _table([("phase", False), ("restarts", True), ("roll", True), ("waits", True),
                                       ("longest ack gap", True)], rows)


def _section_traffic(report: Mapping[str, Any]) -> str:
    traffic = report.get("traffic")
    if not isinstance(traffic, Mapping):
        return ""
    rows = [[_e(label), _e(_count(traffic.get(key)) if key != "seconds" else duration(_num(traffic.get(key))))]
            for key, label in (("acknowledged", "acknowledged"), ("consumed", "consumed"), ("lost", "lost"),
                               ("duplicates", "duplicates"), ("produce_errors", "produce errors"),
                               ("seconds", "traffic ran for")) if key in traffic]
    gaps = traffic.get("gaps_during_rolls") or {}
    context = traffic.get("gap_context") or {}
    rows += [[_e(f"longest gap between acknowledged sends, {phase_title(p)} roll{_gap_hosts(context.get(p))}"),
              _e(duration(_num(g)))] for p, g in in_migration_order(gaps).items()]
    return "<h2>Traffic during the run</h2>" + _table([("figure", False), ("value", True)], rows)


def _gap_hosts(context: Any) -> str:
    """Which hosts were restarting when the gap began (the traffic harness works it out)."""
    if not isinstance(context, Mapping) or not isinstance(context.get("restarting"), list):
        return ""
    return " (during {})".format(", ".join(str(h) for h in context["restarting"]) or "no restart")


def _section_waits(report: Mapping[str, Any]) -> str:
    rows = []
    for host in sorted(report.get("hosts") or {}):
        for wait in (report["hosts"][host] or {}).get("waits") or []:
            cells = [_e(host), _e(phase_title(str(wait.get("phase"))))]
            # "seconds" is the total of a broker's waits, and a controller's only wait (quorum leader).
            own = [k for k in WAIT_KEYS if k != "seconds" and wait.get(k) is not None] or ["seconds"]
            cells += [_e(duration(_num(wait.get(k))) if _num(wait.get(k)) else "-") if k in own else ""
                      for k in WAIT_KEYS]
            cells.append("<b>{}</b>".format(_e(duration(_num(wait.get("seconds"))))))
            rows.append((phase_sort_key(str(wait.get("phase"))), host, cells))
    if not rows:
        return ""
    head = [("host", False), ("phase", False)] + [(WAIT_LABELS[k], True) for k in WAIT_KEYS] + [("total", True)]
    return "<h2>Waits</h2>" + _table(head, [r[2] for r in sorted(rows, key=lambda r: (r[0], r[1]))])


def _section_gaps(report: Mapping[str, Any]) -> str:
    gaps = report.get("roll_gaps") or []
    if not gaps:
        return ""
    rows = [[_e(phase_title(str(g.get("phase")))), _e(g.get("after")), _e(g.get("before")), _e(duration(_num(g.get("seconds"))))]
            for g in gaps]
    return ("<h2>Pauses in the rolls</h2><p class=\"muted\">From one broker being healthy to the next one being "
            "stopped.</p>" + _table([("phase", False), ("healthy", False), ("next stopped", False), ("pause", True)], rows))


def _section_diffs(report: Mapping[str, Any]) -> str:
    diffs = report.get("config_changes") or []
    if not diffs:
        return ('<h2>Config changes</h2><p class="muted">No config change recorded in this report.</p>')
    parts = ['<h2>Config changes</h2><p class="muted">The keys each host\'s server.properties changed (per role, '
             'at its last render in this run). Secret values are masked.</p>']
    for diff in diffs:
        changes = masked_changes(diff.get("changes"))
        where = " \u00b7 ".join(_e(x) for x in (diff.get("role"), diff.get("phase") and phase_title(str(diff["phase"])),
                                                diff.get("path"),
                                                diff.get("state_before") and "{} \u2192 {}".format(
                                                    diff.get("state_before"), diff.get("state_after"))) if x)
        rows = [["<code>{}</code>".format(_e(c["key"])), '<span class="old">{}</span>'.format(_value(c["old"])),
                 '<span class="new">{}</span>'.format(_value(c["new"]))] for c in changes]
        backup = diff.get("backup_file")
        parts.append('<details open><summary><b>{}</b> <span class="muted">{} \u00b7 {} key(s){}</span></summary>{}</details>'.format(
            _e(diff.get("host")), where, len(changes), (" \u00b7 backup " + _e(backup)) if backup else "",
            _table([("key", False), ("before", False), ("after", False)], rows)))
    return "".join(parts)


def html_path(json_path: str) -> str:
    """Where the page of a JSON report goes: beside it, ``.json`` replaced by (or else followed by) ``.html``."""
    return (json_path[:-5] if json_path.endswith(".json") else json_path) + ".html"


def render(report: Mapping[str, Any], title: str = "Kafka ZooKeeper \u2192 KRaft migration report") -> str:
    """The whole page for ``report`` (the JSON dict of migration_report, with or without ``traffic``)."""
    found = verdicts(report)
    state = overall(found)
    total = _num(report.get("total_seconds"))
    sub = "{} \u2192 {}{} \u00b7 finished {}".format(
        _e(phase_title(str(report.get("phase_before", "unknown")))), _e(phase_title(str(report.get("phase_after", "unknown")))),
        (f" in {_e(duration(total))}") if total is not None else "", _e(_utc(_num(report.get("finished_at")))))
    lines = report.get("lines") or []
    body = [
        f'<h1>{_e(title)} <span class="overall o-{state}">{STATUS_TEXT[state]}</span></h1>',
        f'<p class="sub">{sub}</p>',
        _section_verdicts(found),
        _section_timeline(report),
        _section_phases(report),
        _section_traffic(report),
        _section_waits(report),
        _section_gaps(report),
        _section_diffs(report),
        ('<h2>Text summary</h2><details><summary>As printed by the playbook</summary><pre>{}</pre></details>'.format(_e(
            "\n".join(str(line) for line in lines)))) if lines else "",
    ]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>{}</title><style>{}</style></head>\n<body><main>\n{}\n</main></body></html>\n'.format(
                _e(title), CSS, "\n".join(part for part in body if part)))
