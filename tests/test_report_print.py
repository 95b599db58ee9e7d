"""The report prints on A4 with nothing cut off at the right edge (Chromium's print to PDF).

A4 is 210 mm wide; the report's @page margins are 12 mm left and right, so a page's content
box is 186 mm, 703 CSS px at 96 dpi. In print emulation at that width, no element (the
deadline chart, every table, a long unbroken word in the timeline) reaches past it.
"""

from __future__ import annotations

from pathlib import Path

from browser import chromium
from conftest import REPO, Cli

#: 186 mm (A4 minus the 12 mm margins of templates/report/_page.html.j2) at 96 CSS px per inch.
CONTENT_PX = int(186 / 25.4 * 96)

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5)
      wide.push(el.tagName + ' ' + (el.getAttribute('class') || '') + ' right=' + Math.round(box.right));
  }
  return {scroll: document.documentElement.scrollWidth, client: width, wide: wide.slice(0, 10),
          svg: [...document.querySelectorAll('svg')].map(e => e.getBoundingClientRect().right),
          tables: [...document.querySelectorAll('table')].map(e => e.getBoundingClientRect().right)};
}"""


def test_the_drill_report_prints_on_a4_with_nothing_cut_off(tmp_path: Path) -> None:
    from breach.services.drill import run_drill

    home = tmp_path / "drill"
    run_drill(REPO / "playbooks/drills/user-database-stolen.yaml", home=home, speed=0, say=lambda _line: None)
    cli = Cli(home)
    iid = cli.json("list", "--all")[0]["id"]
    # A long word with no place to break (a pasted URL, a hash, a file name) must wrap, not widen the page.
    assert cli("log", iid, "evidence-" + "0123456789abcdef" * 12, "--kind", "evidence").exit_code == 0
    out = tmp_path / "report.html"
    assert cli("report", iid, "--out", str(out)).exit_code == 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": CONTENT_PX, "height": 1000})
        page.emulate_media(media="print")
        page.goto(out.as_uri())
        found = page.evaluate(OVERFLOW)
        assert found["client"] == CONTENT_PX
        assert found["scroll"] <= found["client"], found
        assert found["wide"] == [], found
        assert len(found["svg"]) == 1 and found["svg"][0] <= CONTENT_PX, found
        assert len(found["tables"]) >= 4 and max(found["tables"]) <= CONTENT_PX, found
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        (tmp_path / "report.pdf").write_bytes(pdf)
