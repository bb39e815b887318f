"""The load-test summary as a person sees it: drawn by Mermaid 11 in headless Chromium.

The Markdown unit tests check the text of the charts; these check the drawing: no
Mermaid error box, each series in the colour the chart's init block sets (read back
from the DOM), x labels that do not run together, and bars that show failures exactly
where there were some. Skipped, saying why, without Chromium or the npm packages.
"""

import re
from pathlib import Path

import pytest

from main.core.load import markdown as load_markdown
from main.core.load.markdown import render_markdown
from tests.support.load_summaries import OUTAGE, STALL, sample_result, steady_markdown
from tests.support.rendering import PNG_MAGIC, Drawn, draw, missing

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Drawn, Path]:
    folder = tmp_path_factory.mktemp("render")
    png = folder / "summary.png"
    return draw(render_markdown(sample_result()), folder, png), png


def test_the_summary_draws_without_an_error_box(drawn: tuple[Drawn, Path]) -> None:
    result, png = drawn
    assert result.facts["errors"] == []
    assert result.facts["problems"] == [], result.facts["problems"]
    assert result.status == 0
    assert [chart["diagram"] for chart in result.charts] == ["xychart", "xychart"]
    assert png.read_bytes().startswith(PNG_MAGIC)


def test_every_series_is_drawn_in_our_palette(drawn: tuple[Drawn, Path]) -> None:
    result, _ = drawn
    throughput, latency = result.charts
    colours = {colour for series in throughput["series"] for colour in series["colours"]}
    assert colours == {rgb(load_markdown.ANSWERED), rgb(load_markdown.FAILED)}
    assert [s["colours"] for s in latency["series"]] == [[rgb(load_markdown.LATENCY)]]
    for chart in result.charts:
        assert chart["background"] == rgb(load_markdown.BACKGROUND)


def test_at_most_thirty_points_with_labels_apart(drawn: tuple[Drawn, Path]) -> None:
    result, _ = drawn
    for chart in result.charts:
        assert 0 < len(chart["x_labels"]) <= 30
        assert chart["overlapping_labels"] == []
        assert chart["clipped_labels"] == []
        for series in chart["series"]:
            assert series["count"] <= 30 or series["kind"] == "line"


def test_intervals_in_which_nothing_finished_have_no_latency_point(
    drawn: tuple[Drawn, Path],
) -> None:
    result, _ = drawn
    throughput, latency = result.charts
    stalled = [label for label in throughput["x_labels"] if STALL[0] <= float(label) < STALL[1]]
    assert stalled  # the throughput chart shows the stall, as empty bars
    assert not set(stalled) & set(latency["x_labels"])


def visible_failures(throughput: dict[str, object]) -> list[float]:
    """The height of red a person sees on each bar, whichever series is drawn on top."""
    series = throughput["series"]
    assert isinstance(series, list)
    [red] = [i for i, s in enumerate(series) if s["colours"] == [rgb(load_markdown.FAILED)]]
    [blue] = [i for i, s in enumerate(series) if s["colours"] == [rgb(load_markdown.ANSWERED)]]
    reds, blues = series[red]["heights"], series[blue]["heights"]
    if red > blue:  # drawn over the blue bar: all of it shows
        return list(reds)
    return [max(0.0, r - b) for r, b in zip(reds, blues, strict=True)]


def test_red_shows_exactly_where_requests_failed(drawn: tuple[Drawn, Path]) -> None:
    result, _ = drawn
    throughput = result.charts[0]
    shown = visible_failures(throughput)
    failed_at = [OUTAGE[0] <= float(label) < OUTAGE[1] for label in throughput["x_labels"]]
    assert any(failed_at)
    assert [height > 0.5 for height in shown] == failed_at, shown


def test_a_mermaid_error_is_caught(tmp_path: Path) -> None:
    # The check itself must fail on a chart Mermaid rejects, as GitHub would show it.
    text = render_markdown(sample_result())
    broken = re.sub(r"xychart-beta", "xychart-beta\n    bar [1, oops]", text, count=1)
    result = draw(broken, tmp_path, tmp_path / "broken.png")
    assert result.status == 1
    assert any("Mermaid rejects it" in line for line in result.facts["problems"])


def test_labels_stay_apart_and_whole_however_long_the_run(tmp_path: Path) -> None:
    # Three-digit seconds (30 points of 34 s), then whole minutes: 20,000 s in 28 points
    # of 12 min (not 30 of 667 s, labelled up to "19343"), a day in 30 of 48 min.
    runs = [1000.0, 20_000.0, 86_400.0]
    text = "\n".join(steady_markdown(seconds) for seconds in runs)
    result = draw(text, tmp_path, tmp_path / "long.png")
    assert result.facts["problems"] == [], result.facts["problems"]
    labels = [chart["x_labels"] for chart in result.charts]
    assert len(labels) == 2 * len(runs)
    assert [len(chart) for chart in labels] == [30, 30, 28, 28, 30, 30]
    assert labels[0][-1] == "986"  # seconds: 29 x 34 s
    assert labels[2][-1] == "324"  # minutes: 27 x 12 min
    assert labels[-1][-1] == "1392"  # minutes: the day's last 48-minute point
