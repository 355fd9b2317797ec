"""A plotly figure drawn in the page by plotly's cartesian bundle: the dashboard's charts.

``st.plotly_chart`` draws with the whole of plotly.js that Streamlit bundles (4.7 MB of JavaScript,
every trace type, maps and 3-D included), and a chart page's first visit spends 0.7–0.8 s of the
browser's time just running that code (issue 16). The dashboard draws scatters, lines, bars and
heatmaps only: plotly's *cartesian* bundle has them all in 1.5 MB, so :func:`plotly_chart` draws
with that instead, in a small Streamlit component (``st.components.v2``, in the page itself, not
in a frame). Measured in interleaved cold visits (bench/README.md), means of four or five: a probe
page of three 50-point charts 2.28 s with ``st.plotly_chart``, 1.67 s with this; the demo's
weekly review 2.83 → 2.39 s.

The bundle is served by the dashboard itself (:func:`plotly_route`; nothing is fetched from
elsewhere), under a name that carries its version, so a browser may keep it for good. It is
plotly's own build, unchanged (``plotly.js-cartesian-dist-min`` 4.1.1 from npm, MIT licence
beside it), the version the Python ``plotly`` package writes figures for (tests/test_chart.py
checks both).

A chart looks as Streamlit's did: its fonts, greys and margins (:data:`STREAMLIT_LOOK`, taken from
Streamlit's own theme for plotly) override the figure's template, as Streamlit's theme does, and
its title is bold; what the figure's layout sets itself still wins. It speaks the page's language:
month and day names, the orders of its time ticks, the separators of its numbers and its
toolbar's tips (:func:`alliance_metrics.charts.plotly_locale`; plotly.js itself knows English
only). Its element carries the class and test id Streamlit gives a plotly chart
(``stPlotlyChart``), so that what finds a page's charts by them — the benchmark's timing, the
browser tests, a user's own tools — finds these. Its toolbar has a full-screen button, as
Streamlit's charts had, where the browser can show an element full screen. Should the bundle fail
to load, the chart's place says so in words (the page's language) instead of staying blank.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.io
import streamlit as st
from starlette.responses import FileResponse
from starlette.routing import Route

from alliance_metrics.charts import plotly_locale
from alliance_metrics.i18n import _, current_language

#: plotly's cartesian bundle, as published (``plotly.js-cartesian-dist-min``).
PLOTLY_FILE = Path(__file__).resolve().parent / "static" / "plotly-cartesian-4.1.1.min.js"
#: Where the dashboard serves it, and where a page finds it (relative, as Streamlit's own code).
PLOTLY_PATH = "/vendor/" + PLOTLY_FILE.name
PLOTLY_SRC = "." + PLOTLY_PATH

#: The JavaScript statement that loads the bundle once per page: a promise of ``Plotly``, shared by
#: every chart and by the page's head (ui/preload.py starts it early).
LOAD_PLOTLY = (
    "window.alliancePlotly ??= new Promise((resolve, reject) => {"
    " const script = document.createElement('script');"
    f" script.src = '{PLOTLY_SRC}';"
    " script.onload = () => resolve(window.Plotly);"
    " script.onerror = () => reject(new Error('plotly did not load'));"
    " document.head.append(script);"
    "});"
)

#: Streamlit's light theme for plotly (its ``PlotlyChart`` code, Streamlit 1.67), as a template's
#: layout: it overrides the figure's template, not the figure's own layout.
STREAMLIT_LOOK = {
    "font": {"color": "#808495", "family": '"Source Sans", sans-serif', "size": 12},
    "title": {"font": {"family": '"Source Sans", sans-serif', "size": 16, "color": "#31333F"},
              "xanchor": "left", "x": 0},
    "legend": {"font": {"size": 12, "color": "#31333F"}, "title": {"font": {"size": 12}}},
    "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "margin": {"pad": 8, "l": 0, "r": 0},
    "xaxis": {"gridcolor": "#e6eaf1", "zerolinecolor": "#e6eaf1", "tickcolor": "#e6eaf1",
              "title": {"font": {"size": 14}}, "automargin": True},
    "yaxis": {"gridcolor": "#e6eaf1", "zerolinecolor": "#e6eaf1", "tickcolor": "#e6eaf1",
              "title": {"font": {"size": 14}}, "automargin": True},
    "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": "#d5dae5",
                   "font": {"color": "#31333F", "family": '"Source Sans", sans-serif', "size": 12}},
}

#: plotly's options for every chart: no plotly logo; no "Share chart..." button, which would
#: send the chart's data to plotly's cloud (plotly.js 4 offers it by default); no box or lasso
#: selection, which selects nothing here (as Streamlit's charts without ``on_select``). (Its width
#: follows its place's by a ResizeObserver: plotly's ``responsive`` follows the window only, not
#: the sidebar's folding.)
CONFIG = {"displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False,
          "plotlyServerURL": "", "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

_DRAW = f"""
const LOOK = {json.dumps(STREAMLIT_LOOK)};
const CONFIG = {json.dumps(CONFIG)};
// four corners, on 24 px
const FULL_SCREEN_ICON = 'M3 3h6v2H5v4H3V3zm12 0h6v6h-2V5h-4V3zM3 15h2v4h4v2H3v-6zm16 0h2v6h-6v-2h4v-4z';

function over(base, top) {{   // base's values, and top's in their place where both have one
  const merged = {{...base, ...top}};
  for (const [name, value] of Object.entries(top)) {{
    if (value && typeof value === 'object' && base[name] && typeof base[name] === 'object') {{
      merged[name] = over(base[name], value);
    }}
  }}
  return merged;
}}

export default function ({{ data, parentElement }}) {{
  let chart = parentElement.querySelector(':scope > .stPlotlyChart');
  if (!chart) {{   // as Streamlit's own: the chart's element, and in it plotly's
    chart = document.createElement('div');
    chart.className = 'stPlotlyChart';
    chart.dataset.testid = 'stPlotlyChart';
    chart.append(document.createElement('div'));
    parentElement.append(chart);
  }}
  const plot = chart.firstElementChild;
  chart.resizing ??= new ResizeObserver(() => {{   // its place's width changed: the plot's follows
    if (plot._fullLayout) window.Plotly.Plots.resize(plot).catch(() => {{}});
  }});
  chart.resizing.observe(chart);
  const figure = JSON.parse(data.figure);
  const layout = figure.layout ?? {{}};
  const template = layout.template ?? {{}};
  layout.template = {{...template, layout: over(template.layout ?? {{}}, LOOK)}};
  if (layout.title?.text) layout.title = {{...layout.title, text: `<b>${{layout.title.text}}</b>`}};
  // the plot's height is its element's, not its layout's: the page keeps the chart's place while
  // plotly loads, and plotly sizes it to its element's, full screen or not
  const height = layout.height ?? 450;
  delete layout.height;
  plot.style.height = `${{height}}px`;
  chart.style.background = '#ffffff';    // full screen, the chart on white, not on black
  chart.onfullscreenchange = () => {{   // full screen, as high as the screen; then as before
    plot.style.height = `${{document.fullscreenElement === chart ? window.innerHeight : height}}px`;
    window.Plotly.Plots.resize(plot).catch(() => {{}});
  }};
  const fullScreen = {{   // as Streamlit's own charts offered it, in plotly's toolbar
    name: 'alliance-full-screen', title: data.fullScreen,
    icon: {{width: 24, height: 24, path: FULL_SCREEN_ICON}},
    click: () => document.fullscreenElement ? document.exitFullscreen() : chart.requestFullscreen(),
  }};
  {LOAD_PLOTLY}
  window.alliancePlotly
    .then(Plotly => {{
      Plotly.register(data.locale);
      return Plotly.react(plot, figure.data ?? [], layout,
                          {{...CONFIG, locale: data.locale.name,
                            // a browser that cannot show an element full screen (an iPhone's) has no button
                            modeBarButtonsToAdd: document.fullscreenEnabled ? [fullScreen] : []}});
    }}, () => {{ plot.textContent = data.failed; }});   // the bundle did not load
  return () => {{
    chart.resizing.disconnect();
    delete chart.resizing;
    window.Plotly?.purge(plot);
  }};
}}
"""

#: The component's name, as a page's elements carry it (``proto.component_name`` in ``AppTest``).
COMPONENT_NAME = "alliance_plotly_chart"
# in the page's own DOM, not a shadow root: plotly adds its styles to the document's head
_component = st.components.v2.component(COMPONENT_NAME, js=_DRAW, isolate_styles=False)


def plotly_chart(figure, *, key: str) -> None:
    """Draw the plotly *figure* here, as wide as its place, as high as its layout says (plotly's
    450 px when it says nothing). *key* names the chart among the page's elements."""
    _component(key=key, height="content", data={
        "figure": plotly.io.to_json(figure, validate=False),
        "failed": _("This chart could not be drawn: its code did not load. Reload the page."),
        "fullScreen": _("Full screen"),
        "locale": plotly_locale(current_language()),
    })


async def _plotly_file(_request) -> FileResponse:
    # the name carries the version: a browser may keep it for a year without asking again
    return FileResponse(PLOTLY_FILE, media_type="text/javascript",
                        headers={"cache-control": "public, max-age=31536000, immutable"})


def plotly_route(base_path: str = "") -> Route:
    """The server's route for the bundle (``st.App(routes=…)``), under Streamlit's
    ``server.baseUrlPath`` *base_path* (a page at ``/alliance/client`` asks for
    ``/alliance/vendor/…``; Streamlit does not prefix an app's own routes)."""
    prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return Route(prefix + PLOTLY_PATH, _plotly_file, methods=["GET", "HEAD"])
