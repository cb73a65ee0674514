# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The HTML report: one bar per restart in the SVG timeline, bands per roll, traffic, masked diffs, no external asset;
and, when Debian's chromium is installed, the page as a real browser draws it."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import summarize
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report_html import (
    LABEL_CHAR_WIDTH,
    RESTART_COLOUR,
    html_path,
    render,
    timed_restarts,
    timeline_svg,
    verdicts,
)

FIXTURE = Path(__file__).parent / "fixtures" / "run_report.json"
SVG = "{http://www.w3.org/2000/svg}"
SECRET = "fixture-secret"


def fixture_report(traffic: bool = True) -> dict[str, Any]:
    data = json.loads(FIXTURE.read_text())
    report = summarize(data["timings"], data["phase_before"], data["phase_after"], data["started_at"],
                       data["finished_at"], data["configs"])
    if traffic:
        report["traffic"] = data["traffic"]
    # Through JSON, as the page is rendered from the file (and again after the traffic check).
    loaded: dict[str, Any] = json.loads(json.dumps(report))
    return loaded


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg .*?</svg>", page, re.S)
    assert match, "no SVG in the page"
    return ET.fromstring(match.group(0))


def rects(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [r for r in svg.iter(SVG + "rect") if r.get("class") == cls]


def test_the_timeline_draws_one_bar_per_restart() -> None:
    report = fixture_report()
    timings = json.loads(FIXTURE.read_text())["timings"]
    restarts_with_times = [t for t in timings if t.get("restarted") and t.get("stopped_at") and t.get("healthy_at")]
    svg = svg_of(render(report))
    bars = rects(svg, "restart")
    assert len(bars) == len(restarts_with_times) == len(timed_restarts(report)) == 6
    assert sorted((b.get("data-host"), b.get("data-phase")) for b in bars) == sorted(
        (t["host"], t["phase"]) for t in restarts_with_times)
    # In stop order within each host's row, left to right, inside the plot.
    for host in ("broker1", "broker2", "broker3"):
        xs = [float(b.get("x") or 0) for b in bars if b.get("data-host") == host]
        assert xs == sorted(xs) and len(xs) == 2
    width = float(svg.get("width") or 0)
    assert all(150 <= float(b.get("x") or 0) and float(b.get("x") or 0) + float(b.get("width") or 0) <= width for b in bars)
    # Bars of one host share a row; hosts have rows of their own.
    assert len({b.get("y") for b in bars}) == 3


def test_waits_sit_inside_their_bar_and_end_when_the_broker_was_healthy() -> None:
    svg = svg_of(render(fixture_report()))
    bars = rects(svg, "restart")
    waits = rects(svg, "wait")
    # Phase 2: three waits each (ZooKeeper registration, KRaft registration, under-replicated); phase 3: two.
    assert len(waits) == 3 * 3 + 3 * 2
    for wait in waits:
        x, w = float(wait.get("x") or 0), float(wait.get("width") or 0)
        assert any(float(b.get("x") or 0) - 0.01 <= x and x + w <= float(b.get("x") or 0) + float(b.get("width") or 0) + 0.01
                   and float(b.get("y") or 0) < float(wait.get("y") or 0) for b in bars)
    assert {w.get("data-wait") for w in waits} == {"zk_registration_wait", "kraft_registration_wait", "under_replicated_wait"}


def test_rolls_are_bands_and_untimed_restarts_are_said_not_drawn() -> None:
    report = fixture_report()
    svg = svg_of(render(report))
    assert [b.get("data-phase") for b in rects(svg, "band")] == ["migration", "dual_write"]
    labels = [t.text or "" for t in svg.iter(SVG + "text") if t.get("class") == "band-label"]
    assert labels[0].startswith("migration \u00b7 1:08 \u00b7 longest ack gap 1.9 s")
    # The controllers role records no stop/healthy times today: their restarts are named, not invented.
    untimed = [t.text for t in svg.iter(SVG + "text") if t.get("class") == "untimed"]
    assert untimed == ["1 restart(s) without recorded times"] * 3


def test_a_band_label_at_the_right_edge_stays_inside_the_picture() -> None:
    # The last roll ends the timeline; made short, its band sits at the right edge, and its label would run past it.
    report = fixture_report()
    last = report["phases"]["dual_write"]
    last["first_stop"] = last["last_healthy"] - 2
    svg = svg_of(render(report))
    width = float(svg.get("width") or 0)
    labels = [t for t in svg.iter(SVG + "text") if t.get("class") == "band-label"]
    assert labels
    for label in labels:
        start = float(label.get("x") or 0)
        assert 0 <= start and start + LABEL_CHAR_WIDTH * len(label.text or "") <= width, (label.text, start)


def test_the_page_is_self_contained_and_shows_traffic_waits_and_verdicts() -> None:
    page = render(fixture_report())
    assert page.startswith("<!DOCTYPE html>")
    for outside in ("<script", "<link", "src=", "url(", "@import"):
        assert outside not in page
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]
    assert "<h2>Traffic during the run</h2>" in page and "30,817" in page
    assert "<h2>Waits</h2>" in page and "<h2>Pauses in the rolls</h2>" in page
    assert [v["status"] for v in verdicts(fixture_report())] == ["pass", "pass", "info", "pass", "pass", "info"]
    assert 'class="overall o-pass">PASS' in page


def test_the_traffic_section_names_the_hosts_restarting_during_each_longest_gap() -> None:
    report = fixture_report()
    report["traffic"]["gap_context"] = {"migration": {"began": 1.0, "seconds_into_roll": 3.5,
                                                      "restarting": ["broker2"]},
                                        "dual_write": {"began": 9.0, "seconds_into_roll": 0.0, "restarting": []}}
    page = render(report)
    assert "migration roll (during broker2)" in page
    assert "dual write roll (during no restart)" in page
    assert "(during" not in render(fixture_report())


def test_secrets_are_masked_even_when_the_json_holds_them() -> None:
    report = fixture_report()
    # The fixture's broker1 change carries a clear JAAS password on purpose; summarize masks it ...
    assert SECRET not in json.dumps(report)
    # ... and the renderer masks again a report written by anything else.
    report["config_changes"][0]["changes"].append({"key": "sasl.jaas.config", "old": None, "new": "password=" + SECRET})
    report["config_changes"][0]["changes"].append({"key": "ssl.truststore.password", "old": SECRET, "new": SECRET})
    page = render(report)
    assert SECRET not in page
    assert page.count('<span class="masked">masked</span>') >= 6


def test_without_traffic_there_is_no_traffic_section_and_lost_messages_fail() -> None:
    assert "Traffic during the run" not in render(fixture_report(traffic=False))
    report = fixture_report()
    report["traffic"]["lost"] = 3
    found = {v["name"]: v["status"] for v in verdicts(report)}
    assert found["No acknowledged message lost"] == "fail"
    assert 'class="overall o-fail">FAIL' in render(report)


@pytest.mark.parametrize("report", [
    {"hosts": {}, "lines": ["Migration report: phase zookeeper -> kraft in 69.3 s"], "phase_after": "kraft",
     "phase_before": "zookeeper", "phase_order": [], "phases": {}, "roll_gaps": [], "total_seconds": 69.282},
    {"hosts": {"b1": {"restarts": 1, "waits": [{"phase": "migration", "seconds": 6.6}]}}, "phase_after": "migration",
     "phase_before": "zookeeper", "phases": {"migration": {"restarts": 1, "first_stop": 1.0, "last_healthy": 9.0}}},
    {},
], ids=["nothing-to-do", "before-per-host-timelines", "empty"])
def test_older_and_empty_reports_render(report: dict[str, Any]) -> None:
    page = render(report)
    if timeline_svg(report):
        assert not rects(svg_of(page), "restart") and len(rects(svg_of(page), "band")) == 1
    else:
        assert "No stop, start or wait with a recorded time" in page


def test_names_are_escaped() -> None:
    report = fixture_report()
    report["hosts"]["<b>x</b>"] = report["hosts"].pop("broker1")
    page = render(report)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    svg_of(page)   # still well-formed XML


@pytest.mark.parametrize("json_path,expected", [
    ("reports/migration-20261201T221144Z.json", "reports/migration-20261201T221144Z.html"),
    ("/tmp/report", "/tmp/report.html"),
])
def test_the_page_goes_beside_the_json(json_path: str, expected: str) -> None:
    assert html_path(json_path) == expected


# --------------------------------------------------------------------------- a real browser


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, rows and bytes per pixel of an 8-bit, non-interlaced RGB(A) PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def colour_blobs(rows: list[bytes], bpp: int, colour: str, tall: int = 10) -> int:
    """Connected areas of (nearly) ``colour`` at least ``tall`` pixels high (not anti-aliased text, not the thin
    strips a bar keeps above and below its waits)."""
    want = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    hits: set[tuple[int, int]] = set()
    for y, row in enumerate(rows):
        for x in range(0, len(row) // bpp):
            px = row[x * bpp:x * bpp + 3]
            if abs(px[0] - want[0]) <= 6 and abs(px[1] - want[1]) <= 6 and abs(px[2] - want[2]) <= 6:
                hits.add((x, y))
    blobs = 0
    while hits:
        todo = [hits.pop()]
        top = bottom = todo[0][1]
        while todo:
            x, y = todo.pop()
            top, bottom = min(top, y), max(bottom, y)
            for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if n in hits:
                    hits.remove(n)
                    todo.append(n)
        blobs += bottom - top + 1 >= tall
    return blobs


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_headless_chromium_draws_one_bar_per_restart(tmp_path: Path) -> None:
    report = fixture_report()
    page = tmp_path / "report.html"
    page.write_text(render(report), encoding="utf-8")
    shot = tmp_path / "report.png"
    common = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(common + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    assert dom.stdout.count('class="restart"') == 6        # the browser parsed every bar
    subprocess.run(common + [f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    width, height, rows, bpp = png_pixels(shot.read_bytes())
    assert (width, height) == (1400, 1000)
    # Each bar starts with one dark, full-height area (stop and start, before its waits); the legend adds a swatch.
    assert colour_blobs(rows, bpp, RESTART_COLOUR) == len(timed_restarts(report)) + 1
