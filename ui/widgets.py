"""Small rendering helpers the pages share (formatting only: every figure comes from alliance_metrics)."""

from __future__ import annotations

import math
import re

import streamlit as st

from alliance_metrics.relations import FLUCKIGER_2018, Relation

PLOTLY_CONFIG = {"displaylogo": False}


MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """*text* from the data, escaped so st.markdown shows it as typed: a goal written as
    ``![x](http://…)`` must not make the browser fetch an image.

    >>> plain("![x](http://a.b)")
    '\\!\\[x\\]\\(http\\://a\\.b\\)'
    """
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def percent(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0f} %"


def show_relation(relation: Relation, compare_with_reference: bool = False) -> None:
    """A relation's coefficient, interval and n, with its plain reading."""
    if relation.estimate is None:
        st.info(relation.reading)
        return
    columns = st.columns([1, 2, 1, 1])
    columns[0].metric("Correlation", f"{relation.estimate:+.2f}")
    columns[1].metric("95 % interval", f"{relation.ci_low:+.2f} to {relation.ci_high:+.2f}")
    columns[2].metric("Clients", f"{relation.n_clients:,}")
    columns[3].metric("Observations", f"{relation.n:,}")
    st.write(relation.reading)
    if compare_with_reference:
        st.caption(
            f"For comparison: across {FLUCKIGER_2018.studies} studies the alliance–outcome correlation "
            f"is r = {FLUCKIGER_2018.r:.3f} (95 % CI {FLUCKIGER_2018.ci_low:.3f}–{FLUCKIGER_2018.ci_high:.3f}; "
            f"{FLUCKIGER_2018.citation})."
        )
