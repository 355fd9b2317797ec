"""Tests for alliance_metrics.relations.

Expected numbers come from a published source (Bland & Altman 1995 data,
Bakdash & Marusich 2017), from scipy's own implementations, from arithmetic
worked by hand in the comments, or from the variances a simulation was
built with.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alliance_metrics.relations import (
    FLUCKIGER_2018,
    Relation,
    between_clients,
    expected_range,
    holm,
    relationship_family,
    describe_strength,
    lagged,
    within_client,
)

BLAND1995 = Path(__file__).parent / "data" / "bland1995.csv"
Z = 1.959963984540054  # standard normal 97.5 % quantile


# ------------------------------------------------------------ within_client


def test_within_client_reproduces_bland_altman_1995():
    # Bakdash & Marusich (2017), Table/text on bland1995: r_rm = -0.507,
    # 38 dof, 95 % CI [-0.71, -0.23], p = 0.0008 (47 observations, 8 subjects:
    # 47 - 8 - 1 = 38).
    data = pd.read_csv(BLAND1995)
    rel = within_client(data, x="PacO2", y="pH", client="Subject", detrend=False)
    assert round(rel.estimate, 3) == -0.507
    assert rel.dof == 38
    assert (rel.n, rel.n_clients) == (47, 8)
    assert round(rel.ci_low, 2) == -0.71
    assert round(rel.ci_high, 2) == -0.23
    assert rel.p_value == pytest.approx(0.0008, abs=0.00005)


def hand_worked_frame() -> pd.DataFrame:
    # Three clients, three complete observations each, plus a client D with a
    # single observation (dropped) and a row of A with no y (dropped).
    return pd.DataFrame(
        {
            "client_id": ["A", "A", "A", "A", "B", "B", "B", "C", "C", "C", "D"],
            "x": [1.0, 2.0, 3.0, 7.0, 4.0, 5.0, 6.0, 2.0, 2.0, 5.0, 10.0],
            "y": [2.0, 4.0, 3.0, None, 5.0, 5.0, 8.0, 1.0, 3.0, 2.0, 0.0],
        }
    )


def test_within_client_hand_worked():
    # Centred on each client's means:
    #   A: x 1,2,3 (mean 2) -> -1, 0, 1   y 2,4,3 (mean 3) -> -1, 1, 0
    #   B: x 4,5,6 (mean 5) -> -1, 0, 1   y 5,5,8 (mean 6) -> -1,-1, 2
    #   C: x 2,2,5 (mean 3) -> -1,-1, 2   y 1,3,2 (mean 2) -> -1, 1, 0
    # Sxy = (1+0+0) + (1+0+2) + (1-1+0) = 4;  Sxx = 2+2+6 = 10;  Syy = 2+6+2 = 10
    # r = 4 / sqrt(10*10) = 0.4;  N = 9, k = 3, dof = 9 - 3 - 1 = 5
    # t = 0.4 * sqrt(5 / 0.84) = 0.975900
    # Fisher z: atanh(0.4) = 0.5*ln(1.4/0.6); n = dof + 2 = 7, se = 1/sqrt(4) = 0.5
    # slope = Sxy/Sxx = 0.4; residual SS = 10 - 0.4*4 = 8.4;
    # se(slope) = sqrt(8.4/5/10) = sqrt(0.168); t(0.975, 5) = 2.570582
    rel = within_client(hand_worked_frame(), "x", "y", detrend=False, min_obs=9)
    assert rel.refused_because is None
    assert (rel.n, rel.n_clients, rel.dof) == (9, 3, 5)
    assert rel.estimate == pytest.approx(0.4)
    z = 0.5 * math.log(1.4 / 0.6)
    assert rel.ci_low == pytest.approx(math.tanh(z - Z * 0.5))  # -0.5052
    assert rel.ci_high == pytest.approx(math.tanh(z + Z * 0.5))  # 0.8862
    assert rel.p_value == pytest.approx(2 * stats.t.sf(0.4 * math.sqrt(5 / 0.84), 5))
    assert rel.slope == pytest.approx(0.4)
    assert rel.intercept is None
    assert rel.slope_ci_low == pytest.approx(0.4 - 2.570582 * math.sqrt(0.168), abs=1e-6)
    assert rel.slope_ci_high == pytest.approx(0.4 + 2.570582 * math.sqrt(0.168), abs=1e-6)


def simulated_practice(seed: int = 20260302) -> pd.DataFrame:
    """80 clients x 12 sessions with a known within-client effect.

    Client i has a usual engagement m_i ~ N(3, 0.8²) and a usual goal level
    g_i = 8 - 2 (m_i - 3) + N(0, 0.5²): clients who engage more are the ones
    further from their goal (between-client confounding, negative). At each
    session engagement = m_i + u, u ~ N(0, 0.6²), and
    goal = g_i + 0.5 u + e, e ~ N(0, 0.4²): on the days a client engages more
    than usual, their goal rating is higher (within-client effect, positive).
    True within-client r = 0.5·0.6 / sqrt(0.25·0.36 + 0.16) = 0.3 / 0.5 = 0.6.
    """
    rng = np.random.default_rng(seed)
    clients, sessions = 80, 12
    usual_engagement = rng.normal(3, 0.8, clients)
    usual_goal = 8 - 2 * (usual_engagement - 3) + rng.normal(0, 0.5, clients)
    u = rng.normal(0, 0.6, (clients, sessions))
    e = rng.normal(0, 0.4, (clients, sessions))
    return pd.DataFrame(
        {
            "client_id": np.repeat([f"c{i:02d}" for i in range(clients)], sessions),
            "engagement": (usual_engagement[:, None] + u).ravel(),
            "goal_rating": (usual_goal[:, None] + 0.5 * u + e).ravel(),
        }
    )


def test_within_and_between_answer_different_questions():
    practice = simulated_practice()
    within = within_client(practice, "engagement", "goal_rating", detrend=False)
    assert within.ci_low < 0.6 < within.ci_high
    assert within.ci_low > 0
    assert (within.n, within.n_clients, within.dof) == (960, 80, 960 - 80 - 1)

    # Across clients the confounding dominates: per-client means correlate
    # negatively (expected r = Cov/sd·sd = (-2·0.64 + 0.5·0.03) /
    # sqrt((0.64 + 0.03)(2.56 + 0.25 + 0.0075 + 0.0133)) = -0.92), so a
    # between-client look would wrongly say engagement goes with less progress.
    means = practice.groupby("client_id")[["engagement", "goal_rating"]].mean()
    between = between_clients(means, "engagement", "goal_rating")
    assert between.ci_high < 0
    assert between.n_clients == 80


# ---------------------------------------------------------- between_clients


def test_pearson_matches_scipy():
    rng = np.random.default_rng(7)
    x = rng.normal(60, 15, 30)
    y = 0.05 * x + rng.normal(0, 1, 30)
    frame = pd.DataFrame({"attendance": x, "progress_points": y})
    frame.loc[3, "attendance"] = np.nan  # dropped: n counts the other 29
    frame.loc[11, "progress_points"] = np.nan  # dropped: 28 left
    complete = frame.dropna()

    rel = between_clients(frame, "attendance", "progress_points")
    assert (rel.n, rel.n_clients, rel.dof) == (28, 28, 26)

    reference = stats.pearsonr(complete["attendance"], complete["progress_points"])
    ci = reference.confidence_interval(0.95)  # Fisher z, se = 1/sqrt(n - 3)
    assert rel.estimate == pytest.approx(reference.statistic)
    assert rel.p_value == pytest.approx(reference.pvalue)
    assert (rel.ci_low, rel.ci_high) == pytest.approx((ci.low, ci.high))

    line = stats.linregress(complete["attendance"], complete["progress_points"])
    half = stats.t.ppf(0.975, 26) * line.stderr
    assert (rel.slope, rel.intercept) == pytest.approx((line.slope, line.intercept))
    assert (rel.slope_ci_low, rel.slope_ci_high) == pytest.approx((line.slope - half, line.slope + half))


def test_spearman_hand_worked():
    # Ranks of x: 1 2 3 4 5; ranks of y (20 10 40 30 50): 2 1 4 3 5.
    # d = -1 1 -1 1 0, sum d² = 4, rho = 1 - 6·4 / (5·(25 - 1)) = 0.8.
    # Bonett-Wright: se = sqrt((1 + 0.8²/2) / (5 - 3)) = sqrt(0.66);
    # atanh(0.8) = 0.5 ln 9 -> CI tanh(0.5 ln 9 ∓ 1.96 sqrt(0.66)) = -0.4571, 0.9908.
    frame = pd.DataFrame({"x": [0.5, 1.2, 3.0, 4.1, 9.9], "y": [20, 10, 40, 30, 50]})
    rel = between_clients(frame, "x", "y", method="spearman", min_clients=5)
    assert rel.method == "spearman"
    assert rel.estimate == pytest.approx(0.8)
    assert rel.ci_low == pytest.approx(math.tanh(0.5 * math.log(9) - Z * math.sqrt(0.66)))
    assert rel.ci_high == pytest.approx(math.tanh(0.5 * math.log(9) + Z * math.sqrt(0.66)))
    assert rel.ci_low == pytest.approx(-0.4571, abs=1e-4)
    assert rel.p_value == pytest.approx(stats.spearmanr(frame["x"], frame["y"]).pvalue)


def test_spearman_with_ties_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 40)  # engagement-like 1–5: many ties
    y = x + rng.integers(-2, 3, 40)
    reference = stats.spearmanr(x, y)
    rel = between_clients(pd.DataFrame({"x": x, "y": y}), "x", "y", method="spearman")
    assert rel.estimate == pytest.approx(reference.statistic)
    assert rel.p_value == pytest.approx(reference.pvalue)


# ------------------------------------------------------------------ lagged


def test_lagged_hand_worked_orders_by_time():
    # Pairs (x_t, y_t → y_{t+1}) in time order; the 4th x has no next rating.
    #   A: x 1,2,3,(9)  y 5,2,5,8   next 2,5,8
    #   B: x 6,5,4,(0)  y 3,0,3,2   next 0,3,2
    #   C: x 2,3,4,(1)  y 7,4,7,7   next 4,7,7
    # Centred on each client's pairs: x̃ A,C (−1,0,1), B (1,0,−1); ỹ_t (1,−2,1) for all;
    # ñ (next) A (−3,0,3), B (−5/3,4/3,1/3), C (−2,1,1).
    # Σx̃ỹ = 0, so X'X = diag(Sxx = 6, Syy = 18) and the coefficients separate:
    #   β = Σx̃ñ / 6 = (6 − 2 + 3)/6 = 7/6;   γ = Σỹñ / 18 = (0 − 4 − 3)/18 = −7/18
    # Residuals e = ñ − βx̃ − γỹ (in 18ths): A (−26,−14,40), B (−44,10,34), C (−8,4,4)
    # Cluster scores Σx̃e: A 66/18, B −78/18, C 12/18;  meat = (66² + 78² + 12²)/18² = 98/3
    # CR1: c = 3/2 · 8/7 = 12/7;  V(β) = 12/7 · (1/6)² · 98/3 = 14/9;  dof = G − 1 = 2
    # Partial r: S_ee = (2472 + 3192 + 96)/324 = 160/9;  r = β√6 / √(β²·6 + 160/9) = √(147/467)
    day = pd.Timestamp("2026-03-02")
    rows = []
    for client, xs, ys in (
        ("A", [1, 2, 3, 9], [5, 2, 5, 8]),
        ("B", [6, 5, 4, 0], [3, 0, 3, 2]),
        ("C", [2, 3, 4, 1], [7, 4, 7, 7]),
    ):
        rows += [(client, day + pd.Timedelta(weeks=w), x, y) for w, (x, y) in enumerate(zip(xs, ys))]
    # A session between A's 2nd and 3rd without a goal rating: not a rated observation.
    rows.append(("A", day + pd.Timedelta(days=10), 8, None))
    frame = pd.DataFrame(rows, columns=["client_id", "scheduled_start", "engagement", "goal_rating"])
    frame = frame.sample(frac=1, random_state=1)  # input order must not matter

    rel = lagged(frame, "engagement", "goal_rating", min_obs=9)
    assert (rel.n, rel.n_clients, rel.dof) == (9, 3, 2)
    assert rel.slope == pytest.approx(7 / 6)
    half = stats.t.ppf(0.975, 2) * math.sqrt(14 / 9)  # 4.302653 · 1.247219
    assert (rel.slope_ci_low, rel.slope_ci_high) == pytest.approx((7 / 6 - half, 7 / 6 + half))
    assert rel.p_value == pytest.approx(2 * stats.t.sf((7 / 6) / math.sqrt(14 / 9), 2))
    assert rel.estimate == pytest.approx(math.sqrt(147 / 467))

    def r_of(b):  # the slope's interval mapped to r
        return b * math.sqrt(6) / math.sqrt(b * b * 6 + 160 / 9)

    assert (rel.ci_low, rel.ci_high) == pytest.approx((r_of(7 / 6 - half), r_of(7 / 6 + half)))
    assert rel.n_clients_varying == 3


def lagged_panel(seed: int, effect: float, drift: float = 0.0, clients: int = 60, sessions: int = 16) -> pd.DataFrame:
    """A practice where the score moves WITH today's goal rating, and may or may not change tomorrow's.

    Client i has a usual goal level μ_i ~ N(5, 1.5²) and usual score a_i ~ N(3.5, 0.5²).
    Goal: g_t = μ_i + 0.5 (g_{t−1} − μ_i) + effect · (x_{t−1} − a_i) + e_t, e ~ N(0, 0.8²)
    (an AR(1) around the client's level), plus drift · t when drifting.
    Score: x_t = a_i + 0.4 (g_t − μ_i − drift·t) + u_t, u ~ N(0, 0.5²), plus drift·t / 10:
    the score co-moves with the current rating (correlated at the same session) whatever
    ``effect`` is; only ``effect`` makes it predict the next rating beyond the current one.
    """
    rng = np.random.default_rng(seed)
    mu, a = rng.normal(5, 1.5, clients), rng.normal(3.5, 0.5, clients)
    x, y = np.empty((clients, sessions)), np.empty((clients, sessions))
    level = mu + rng.normal(0, 1, clients)
    for t in range(sessions):
        level = mu + 0.5 * (level - mu) + rng.normal(0, 0.8, clients)
        if t:
            level += effect * (x[:, t - 1] - a)
        y[:, t] = level + drift * t
        x[:, t] = a + 0.4 * (level - mu) + rng.normal(0, 0.5, clients) + drift * t / 10
    return weekly_frame(x, y, rng)


def weekly_frame(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    clients, sessions = x.shape
    frame = pd.DataFrame(
        {
            "client_id": np.repeat([f"c{i:02d}" for i in range(clients)], sessions),
            "scheduled_start": np.tile(pd.date_range("2026-01-05", periods=sessions, freq="7D"), clients),
            "engagement": x.ravel(),
            "goal_rating": y.ravel(),
        }
    )
    return frame.iloc[rng.permutation(len(frame))]  # shuffled: lagged must sort by time


PANELS = 120  # 95 % of the binomial(120, 0.05) false-positive count lies in 2–11


@pytest.mark.parametrize("detrend", [False, True])
def test_lagged_co_movement_without_effect_rejects_about_five_percent(detrend):
    # The old design (change in y on x, no control for y_t) rejected in 97–100 % of such practices.
    rejected = 0
    for seed in range(PANELS):
        rel = lagged(lagged_panel(seed, effect=0.0), "engagement", "goal_rating", detrend=detrend)
        rejected += not rel.ci_low <= 0 <= rel.ci_high
        assert (rel.ci_low <= 0 <= rel.ci_high) == (rel.slope_ci_low <= 0 <= rel.slope_ci_high)
    assert 2 <= rejected <= 13   # about 5 % of 120 = 6


@pytest.mark.parametrize("detrend", [False, True])
def test_lagged_recovers_a_true_positive_effect(detrend):
    # effect +0.2 goal points per point of the score above the client's usual
    slopes = [lagged(lagged_panel(1000 + seed, effect=0.2, drift=0.15 * detrend), "engagement", "goal_rating",
                     detrend=detrend).slope for seed in range(30)]
    assert all(slope > 0 for slope in slopes)
    assert np.mean(slopes) == pytest.approx(0.2, abs=0.03)


def test_lagged_slope_interval_covers_the_truth_on_one_panel():
    rel = lagged(lagged_panel(7, effect=0.2), "engagement", "goal_rating")
    assert (rel.n, rel.n_clients, rel.dof) == (60 * 15, 60, 59)
    assert rel.slope_ci_low < 0.2 < rel.slope_ci_high
    assert rel.slope_ci_low > 0
    assert "next goal rating" in rel.reading


def shared_drift(seed: int, clients: int = 40, sessions: int = 12) -> pd.DataFrame:
    """No link at all between x and y within a session: each drifts on its own line over time.

    x_t = a_i + s_i t + u_t, y_t = b_i + g_i t + e_t, with s_i ~ N(0.15, 0.05²),
    g_i ~ N(0.3, 0.1²) (both rise over therapy) and u, e ~ N(0, 0.6²) independent.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(sessions)
    x = rng.normal(3, 0.5, (clients, 1)) + rng.normal(0.15, 0.05, (clients, 1)) * t + rng.normal(0, 0.6, (clients, sessions))
    y = rng.normal(4, 1, (clients, 1)) + rng.normal(0.3, 0.1, (clients, 1)) * t + rng.normal(0, 0.6, (clients, sessions))
    return weekly_frame(x, y, rng)


def test_within_client_shared_drift_rejects_about_five_percent_once_detrended():
    detrended = raw = 0
    for seed in range(PANELS):
        frame = shared_drift(seed)
        rel = within_client(frame, "engagement", "goal_rating")
        detrended += not rel.ci_low <= 0 <= rel.ci_high
        raw += within_client(frame, "engagement", "goal_rating", detrend=False).ci_low > 0
    assert 2 <= detrended <= 13    # about 5 % of 120
    assert raw > 0.9 * PANELS      # without detrending, time alone makes a "link"


def test_within_client_detrended_counts_dof_and_varying_clients():
    frame = shared_drift(3)
    frame.loc[frame.client_id == "c00", "engagement"] = 4.0   # one client's x never changes
    rel = within_client(frame, "engagement", "goal_rating")
    assert (rel.n, rel.n_clients, rel.dof) == (480, 40, 480 - 2 * 40 - 1)
    assert rel.n_clients_varying == 39


# ---------------------------------------------------------------- refusals


def test_between_refuses_too_few_clients():
    frame = pd.DataFrame({"x": range(10), "y": [1, 3, 2, 5, 4, 6, 8, 7, 9, None]})
    rel = between_clients(frame, "x", "y")  # 9 complete rows, 10 needed
    assert rel.estimate is None and rel.ci_low is None and rel.p_value is None
    assert rel.n == 9
    assert "9 clients" in rel.refused_because and "at least 10" in rel.refused_because
    assert rel.reading == f"No estimate: {rel.refused_because}."


def test_between_refuses_constant_column():
    frame = pd.DataFrame({"x": [0.1] * 12, "y": range(12)})
    rel = between_clients(frame, "x", "y")
    assert rel.estimate is None
    assert "same value for all 12 clients" in rel.refused_because


def test_within_refuses_too_few():
    frame = hand_worked_frame()
    rel = within_client(frame, "x", "y", detrend=False)  # 9 usable observations, default minimum 10
    assert rel.estimate is None
    assert "only 9 observations" in rel.refused_because and "at least 10" in rel.refused_because
    two_clients = within_client(frame[frame["client_id"].isin(["A", "B"])], "x", "y", detrend=False, min_obs=1)
    assert two_clients.estimate is None and two_clients.n_clients == 2
    assert "from 2 clients" in two_clients.refused_because


def test_within_refuses_no_within_client_variation():
    frame = pd.DataFrame({"client_id": list("AABBCCDDEE"), "x": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "y": range(10)})
    rel = within_client(frame, "x", "y", detrend=False)
    assert rel.estimate is None
    assert "x never varies within a client" in rel.refused_because


def test_lagged_refuses_too_few():
    # Five clients with two ratings each: one pair per client, which the
    # client's fixed effect would reduce to nothing; every client is dropped.
    frame = pd.DataFrame(
        {
            "client_id": list("AABBCCDDEE"),
            "scheduled_start": pd.date_range("2026-01-05", periods=10, freq="D"),
            "engagement": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5],
            "goal_rating": [1, 3, 2, 5, 4, 6, 8, 7, 9, 9],
        }
    )
    rel = lagged(frame, "engagement", "goal_rating")
    assert rel.estimate is None and (rel.n, rel.n_clients) == (0, 0)
    assert "2 or more pairs" in rel.refused_because


def test_lagged_detrend_needs_three_pairs_per_client():
    frame = lagged_panel(seed=2, effect=0.2, clients=5, sessions=3)
    assert lagged(frame, "engagement", "goal_rating").refused_because is None  # 10 pairs
    rel = lagged(frame, "engagement", "goal_rating", detrend=True)
    assert rel.estimate is None
    assert "3 or more pairs" in rel.refused_because


def test_lagged_refuses_when_the_next_rating_is_determined_by_the_current_one():
    # Each client's rating rises by exactly 1 every session: y_{t+1} = y_t + 1, no residual.
    frame = pd.DataFrame(
        {
            "client_id": np.repeat(list("ABCD"), 4),
            "scheduled_start": np.tile(pd.date_range("2026-01-05", periods=4, freq="7D"), 4),
            "engagement": [1, 3, 2, 4] * 4,
            "goal_rating": [1, 2, 3, 4] * 4,
        }
    )
    rel = lagged(frame, "engagement", "goal_rating")
    assert rel.estimate is None
    assert "the next goal_rating is fully determined by the current one" in rel.refused_because


# ------------------------------------------------------------ bad arguments


def test_unknown_column_and_method_raise():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match=r"y='progress' is not a column.*\['x', 'y'\]"):
        between_clients(frame, "x", "progress")
    with pytest.raises(ValueError, match=r"one of \('pearson', 'spearman'\); got method='kendall'"):
        between_clients(frame, "x", "y", method="kendall")
    with pytest.raises(ValueError, match=r"client='client_id' is not a column"):
        within_client(frame, "x", "y")
    with pytest.raises(ValueError, match=r"time='scheduled_start' is not a column"):
        lagged(frame.assign(client_id="A"), "x", "y")
    with pytest.raises(ValueError, match=r"x='client_id' must be a numeric column"):
        between_clients(frame.assign(client_id="A"), "client_id", "y")
    with pytest.raises(ValueError, match=r"min_clients must be at least 4 .*got min_clients=3"):
        between_clients(frame, "x", "y", min_clients=3)


# ----------------------------------------------------------------- reading


def test_reading_of_an_interval_that_includes_zero():
    rel = Relation("pearson", "alliance", "progress_pct", 0.21, -0.05, 0.44, 0.13, 52, 52, 50)
    assert rel.reading == (
        "Weak positive link (r = 0.21, 95 % CI −0.05 to 0.44, 52 clients); "
        "the interval includes 0 — no evidence either way."
    )


def test_reading_of_an_interval_that_excludes_zero():
    rel = Relation("repeated-measures correlation", "PacO2", "pH", -0.507, -0.71, -0.23, 0.0008, 47, 8, 38)
    assert rel.reading == (
        "Strong negative link within clients (r = −0.51, 95 % CI −0.71 to −0.23, "
        "47 observations from 8 clients); the interval excludes 0 — evidence of a link, not of its cause."
    )


def test_describe_strength_boundaries():
    assert [describe_strength(r) for r in (0.0, -0.099, 0.10, 0.299, -0.30, 0.499, 0.50, -1.0)] == [
        "negligible", "negligible", "weak", "weak", "moderate", "moderate", "strong", "strong",
    ]
    with pytest.raises(ValueError):
        describe_strength(float("nan"))


def test_fluckiger_reference_is_the_published_figure():
    # Flückiger et al. (2018), abstract: r = .278, 95 % CI [.256, .299], 295 studies.
    assert (FLUCKIGER_2018.r, FLUCKIGER_2018.ci_low, FLUCKIGER_2018.ci_high) == (0.278, 0.256, 0.299)
    assert FLUCKIGER_2018.studies == 295


# ------------------------------------------------------- multiplicity, adjustment


def test_holm_by_hand():
    # sorted: 0.01 (×3 = 0.03), 0.03 (×2 = 0.06), 0.04 (×1 = 0.04 → kept at the running max 0.06)
    assert holm([0.01, 0.04, 0.03, None]) == [0.03, 0.06, 0.06, None]
    assert holm([0.5, 0.6]) == [1.0, 1.0]     # 2 × 0.5 = 1, capped at 1
    assert holm([]) == []


def test_between_adjusted_for_sessions_is_the_partial_correlation():
    # The textbook formula r_xy·c = (r_xy − r_xc r_yc) / √((1 − r_xc²)(1 − r_yc²)),
    # from scipy's three pairwise r, must equal the residual method's estimate.
    rng = np.random.default_rng(3)
    sessions = rng.integers(4, 40, 30).astype(float)
    frame = pd.DataFrame({"alliance": 80 + 0.3 * sessions + rng.normal(0, 4, 30),
                          "progress_points": 0.1 * sessions + rng.normal(0, 1.5, 30),
                          "attended": sessions})
    r_xy = stats.pearsonr(frame.alliance, frame.progress_points).statistic
    r_xc = stats.pearsonr(frame.alliance, frame.attended).statistic
    r_yc = stats.pearsonr(frame.progress_points, frame.attended).statistic
    partial = (r_xy - r_xc * r_yc) / math.sqrt((1 - r_xc**2) * (1 - r_yc**2))
    rel = between_clients(frame, "alliance", "progress_points", adjust_for="attended")
    assert rel.estimate == pytest.approx(partial)
    assert rel.dof == 30 - 3   # one more dof for the covariate
    z = math.atanh(partial)
    assert (rel.ci_low, rel.ci_high) == pytest.approx((math.tanh(z - Z / math.sqrt(26)), math.tanh(z + Z / math.sqrt(26))))
    assert "adjusted for attended" in rel.reading and "partial r" in rel.reading


def test_expected_range_for_a_practice_of_60():
    # atanh(0.278) = 0.28552; 1.96/√57 = 0.25960 → tanh(0.02592) = 0.0259, tanh(0.54512) = 0.4968
    low, high = expected_range(60)
    assert (low, high) == pytest.approx((0.0259, 0.4968), abs=1e-4)
    with pytest.raises(ValueError, match="n_clients > 3"):
        expected_range(3)


def test_relationship_family_marks_the_primary_and_adjusts_the_rest():
    practice = lagged_panel(5, effect=0.0)
    per_client = practice.groupby("client_id").agg(alliance=("engagement", "mean"),
                                                   progress_points=("goal_rating", "last"),
                                                   attended=("goal_rating", "size")).reset_index()
    per_client["attended"] += np.arange(len(per_client)) % 5   # make the covariate vary
    family = relationship_family(per_client, practice, {"alliance": "Alliance"}, {"engagement": "Involvement"})
    assert family.design.tolist() == ["between clients", "within clients", "session to session"]
    assert family.role.tolist() == ["primary", "exploratory", "exploratory"]
    primary = family.iloc[0]
    assert primary.p_adjusted == primary.p_value
    explored = family.iloc[1:]
    assert explored.p_adjusted.tolist() == pytest.approx(holm(explored.p_value.tolist()))
    assert (family.evidence == (family.p_adjusted < 0.05)).all()
