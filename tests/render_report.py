"""Render a run report (JSON) as its HTML page again, e.g. after the traffic check added its section.

    .venv/bin/python tests/render_report.py reports/migration-20261201T221144Z.json            # writes ...Z.html beside it
    .venv/bin/python tests/render_report.py REPORT.json -o /tmp/page.html
    .venv/bin/python tests/render_report.py --fixture OUT.json                                  # the test fixture as a report

The page is what the migration_report module writes beside the JSON at the end of a run
(plugins/module_utils/_kraft/report_html.render); this only runs it again on the file as it is now.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "unit" / "plugins" / "module_utils" / "_kraft" / "fixtures" / "run_report.json"


def _import_path() -> None:
    """Make ``ansible_collections.zk2kraft.migration`` importable: the Makefile's link, else a temporary one."""
    linked = REPO / "build" / "collections"
    if (linked / "ansible_collections" / "zk2kraft" / "migration").exists():
        sys.path.insert(0, str(linked))
        return
    root = Path(tempfile.mkdtemp(prefix="zk2kraft-render-"))
    atexit.register(shutil.rmtree, root, True)   # the link only lives for this run
    (root / "ansible_collections" / "zk2kraft").mkdir(parents=True)
    os.symlink(REPO, root / "ansible_collections" / "zk2kraft" / "migration")
    sys.path.insert(0, str(root))


def fixture_report() -> dict:
    """The unit tests' realistic run (3 controllers, 3 brokers, traffic) summarized as the module does."""
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import summarize

    data = json.loads(FIXTURE.read_text())
    report = summarize(data["timings"], data["phase_before"], data["phase_after"], data["started_at"],
                       data["finished_at"], data["configs"])
    report["traffic"] = data["traffic"]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path, help="the run report (JSON); with --fixture, where to write it")
    parser.add_argument("-o", "--output", type=Path, help="the page to write (default: REPORT with .html)")
    parser.add_argument("--fixture", action="store_true", help="first write the test fixture's report to REPORT")
    args = parser.parse_args(argv)
    _import_path()
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report_html import html_path, render

    if args.fixture:
        args.report.write_text(json.dumps(fixture_report(), indent=2, sort_keys=True) + "\n")
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"render_report: cannot read {args.report}: {exc}", file=sys.stderr)
        return 1
    output = args.output or Path(html_path(str(args.report)))
    output.write_text(render(report), encoding="utf-8")
    print(f"render_report: wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
