"""How scores relate to goal progress: correlations with honest intervals.

Three questions, three designs:

- :func:`between_clients` — do clients who score higher also progress more?
  (one row per client; Pearson or Spearman);
- :func:`within_client` — when a client scores higher than is usual *for that
  client*, is their goal rating higher too? (repeated-measures correlation);
- :func:`lagged` — does a client's score at one rated session, compared with
  that client's usual, predict their next goal rating beyond what their
  current goal rating already predicts?

The between-client and within-client answers can differ, even in sign: a
practice where more distressed clients engage more, yet every client does
better on the days they engage more, shows a negative link across clients
and a positive one within them (Simpson's paradox). Which question is asked
matters more than which coefficient is used.

Every function returns a :class:`Relation` with a 95 % confidence interval,
and refuses — ``estimate`` None and ``refused_because`` saying why — rather
than answer from too little data. None of these coefficients shows cause.

Showing many of them at once multiplies the chances of a chance finding:
:func:`holm` adjusts a family of p values (Holm 1979) and
:func:`relationship_family` computes every score × design of the
Relationships page with alliance → progress between clients as the
pre-specified primary analysis and the rest labelled exploratory.

References
----------
Bakdash, J. Z., & Marusich, L. R. (2017). Repeated measures correlation.
*Frontiers in Psychology*, 8, 456.
Bland, J. M., & Altman, D. G. (1995). Calculating correlation coefficients
with repeated observations: Part 1 — correlation within subjects. *BMJ*, 310, 446.
Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for
estimating Pearson, Kendall and Spearman correlations. *Psychometrika*, 65(1), 23–28.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. *Journal of Human Resources*, 50(2), 317–372.
Curran, P. J., & Bauer, D. J. (2011). The disaggregation of within-person and
between-person effects in longitudinal models of change. *Annual Review of
Psychology*, 62, 583–619.
Falkenström, F., Finkel, S., Sandell, R., Rubel, J. A., & Holmqvist, R.
(2017). Dynamic models of individual change in psychotherapy process
research. *J. Consult. Clin. Psychol.*, 85(6), 537–549.
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65–70.
Wang, L. P., & Maxwell, S. E. (2015). On disaggregating between-person and
within-person effects with longitudinal data using multilevel models.
*Psychological Methods*, 20(1), 63–83.
Flückiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018). The
alliance in adult psychotherapy: A meta-analytic synthesis. *Psychotherapy*,
55(4), 316–340.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special   # Student's t and the normal quantile; scipy.stats takes twice as long to import

from alliance_metrics.i18n import N_, _, format_decimal

PEARSON = "pearson"
SPEARMAN = "spearman"
REPEATED_MEASURES = "repeated-measures correlation"
LAGGED = "lagged within-client"
BETWEEN_METHODS = (PEARSON, SPEARMAN)

_Z_975 = special.ndtri(0.975)  # 1.959964…, for 95 % intervals

# How `Relation.reading` words each method: (where the link is, coefficient
# symbol, what was counted).
#: How a method's reading names the link, its symbol and what it counts (English, marked for the
#: catalogue; translated in :attr:`Relation.reading`).
_WORDING = {
    PEARSON: (N_("{strength} link"), "r", N_("{n_clients} clients")),
    SPEARMAN: (N_("{strength} link"), "ρ", N_("{n_clients} clients")),
    REPEATED_MEASURES: (N_("{strength} link within clients"), "r", N_("{n} observations from {n_clients} clients")),
    LAGGED: (N_("{strength} link with the next goal rating"), N_("partial r"),
             N_("{n} session pairs from {n_clients} clients")),
}


def _strength_words(strength: str, positive: bool) -> str:
    """'Weak positive', 'Negligible'… in the current language (the strength of :func:`describe_strength`)."""
    if strength == "negligible":
        return _("Negligible")
    if strength == "weak":
        return _("Weak positive") if positive else _("Weak negative")
    if strength == "moderate":
        return _("Moderate positive") if positive else _("Moderate negative")
    return _("Strong positive") if positive else _("Strong negative")


@dataclass(frozen=True)
class Reference:
    """A published correlation to compare the practice's own figure with."""

    r: float
    ci_low: float
    ci_high: float
    studies: int
    citation: str


#: Meta-analytic alliance–outcome correlation across 295 studies of adult
#: psychotherapy (random effects, 95 % CI).
FLUCKIGER_2018 = Reference(
    r=0.278,
    ci_low=0.256,
    ci_high=0.299,
    studies=295,
    citation="Flückiger, Del Re, Wampold & Horvath (2018), Psychotherapy 55(4):316–340",
)


def describe_strength(r: float) -> str:
    """Name the strength of a correlation: negligible, weak, moderate or strong.

    |r| < 0.10 is ``"negligible"``, < 0.30 ``"weak"``, < 0.50 ``"moderate"``,
    otherwise ``"strong"`` — Cohen's (1988) conventional small / medium /
    large benchmarks, used as boundaries. The sign is ignored.

    Parameters
    ----------
    r : float
        A correlation coefficient in [-1, 1].

    Raises
    ------
    ValueError
        If r is not a number in [-1, 1] (NaN included).

    Examples
    --------
    >>> describe_strength(0.278), describe_strength(-0.507), describe_strength(0.05)
    ('weak', 'strong', 'negligible')
    """
    size = abs(r)
    if not size <= 1:
        raise ValueError(f"r must be a number between -1 and 1; got r={r!r}")
    if size < 0.10:
        return "negligible"
    if size < 0.30:
        return "weak"
    if size < 0.50:
        return "moderate"
    return "strong"


@dataclass(frozen=True)
class Relation:
    """One estimated link between a score ``x`` and a progress measure ``y``.

    Attributes
    ----------
    method : str
        ``"pearson"``, ``"spearman"``, ``"repeated-measures correlation"`` or
        ``"lagged within-client"``.
    x, y : str
        The column names related.
    estimate : float or None
        The correlation: Pearson r or Spearman ρ (partial when
        ``adjusted_for``), the repeated-measures r, or — for ``lagged`` — the
        partial r of x̃ with the next y given the current y and the client.
        All lie in [-1, 1]. None when refused.
    ci_low, ci_high : float or None
        95 % confidence interval of ``estimate`` (Fisher z; for ``lagged`` the
        cluster-robust slope interval mapped to r).
    p_value : float or None
        Two-sided p of ``estimate`` = 0, from the t distribution with ``dof``.
    n : int
        Observations used: clients for ``between_clients``, rated sessions for
        ``within_client``, pairs of consecutive ratings for ``lagged``.
    n_clients : int
        Distinct clients behind those observations.
    dof : int or None
        Residual degrees of freedom of the test.
    slope, intercept : float or None
        OLS line of y on x. Between clients: y = intercept + slope · x on the
        raw values (for either method; with ``adjusted_for``, the partial
        slope through the means). Within clients: the common within-client
        slope (y per unit of x); lagged: β, the next y per unit of x above the
        client's usual; intercept None.
    refused_because : str or None
        Why no estimate was made (too few clients or observations, or no
        variation); None when there is an estimate.
    slope_ci_low, slope_ci_high : float or None
        95 % t interval of ``slope``.
    n_clients_varying : int or None
        Within clients and lagged: how many of the clients' x takes more than
        one value (a client whose x never changes tells nothing within).
    adjusted_for : str or None
        Between clients: the covariate partialled out of both x and y
        (``estimate`` is then a partial correlation).
    """

    method: str
    x: str
    y: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n: int
    n_clients: int
    dof: int | None
    slope: float | None = None
    intercept: float | None = None
    refused_because: str | None = None
    slope_ci_low: float | None = None
    slope_ci_high: float | None = None
    n_clients_varying: int | None = None
    adjusted_for: str | None = None

    def __post_init__(self) -> None:
        if self.method not in _WORDING:
            raise ValueError(f"method must be one of {tuple(_WORDING)}; got method={self.method!r}")

    @property
    def reading(self) -> str:
        """One plain sentence: strength, direction, interval, and what the interval allows.

        Strength is named by :func:`describe_strength` on the estimate as
        shown (two decimals). An interval that includes 0 is read as "no
        evidence either way"; one that excludes 0 as evidence of a link,
        never of its cause.
        """
        if self.estimate is None:
            return _("No estimate: {reason}.").format(reason=self.refused_because)
        shown = round(self.estimate, 2)
        link, symbol, counted = _WORDING[self.method]
        link = _(link).format(strength=_strength_words(describe_strength(shown), shown > 0))
        symbol = _(symbol)
        counted = _(counted).format(n=self.n, n_clients=self.n_clients)
        if self.adjusted_for:
            symbol = _("partial {symbol}").format(symbol=symbol)
            counted = _("{counted}, adjusted for {covariate}").format(counted=counted, covariate=self.adjusted_for)
        if self.ci_low <= 0 <= self.ci_high:
            verdict = _("the interval includes 0 — no evidence either way.")
        else:
            verdict = _("the interval excludes 0 — evidence of a link, not of its cause.")
        return _("{link} ({symbol} = {estimate}, 95 % CI {low} to {high}, {counted}); {verdict}").format(
            link=link, symbol=symbol, estimate=_fmt(self.estimate), low=_fmt(self.ci_low),
            high=_fmt(self.ci_high), counted=counted, verdict=verdict)


def between_clients(
    per_client: pd.DataFrame,
    x: str,
    y: str,
    method: str = PEARSON,
    min_clients: int = 10,
    adjust_for: str | None = None,
) -> Relation:
    """Correlate a score with progress across clients, one row per client.

    Pearson:

    .. math:: r = \\frac{\\sum (x_i - \\bar x)(y_i - \\bar y)}
                        {\\sqrt{\\sum (x_i - \\bar x)^2 \\sum (y_i - \\bar y)^2}},
              \\quad t = r \\sqrt{\\frac{n - 2 - q}{1 - r^2}}

    where x_i, y_i are client i's values and n the number of clients with
    both; p is two-sided from t with n − 2 − q dof. The 95 % interval is
    tanh(atanh(r) ± 1.96 · se) with se = 1/√(n − 3 − q) (Fisher z).

    ``adjust_for`` names a covariate c (e.g. sessions attended: clients seen
    longer have had more time to progress, and their scores differ too):
    x and y (their ranks for Spearman) are then replaced by their residuals
    from the least-squares line on c, so r is the partial correlation of x
    and y given c, and q = 1 (q = 0 without it).

    Spearman: ρ is r computed on the ranks (ties get their average rank),
    with p from the same t, and the Fisher z interval with the Bonett &
    Wright (2000) standard error se = √((1 + ρ²/2)/(n − 3 − q)).

    The slope and intercept are the OLS line of y on x on the raw values
    (the chart's trend line), whichever the method, with a t interval
    for the slope (n − 2 − q dof); with ``adjust_for`` the slope is the
    partial one, drawn through the means.

    Parameters
    ----------
    per_client : DataFrame
        One row per client. Rows missing x, y (or the covariate) are dropped.
    x, y : str
        Numeric columns of ``per_client``.
    method : {"pearson", "spearman"}
    min_clients : int, default 10
        Fewer clients with both values than this gives a refusal. At least 4
        (the interval needs n − 3 − q > 0; 5 with a covariate).
    adjust_for : str, optional
        Numeric column to partial out.

    Returns
    -------
    Relation
        Refused (``estimate`` None) when there are fewer than ``min_clients``
        clients, or when x or y has the same value for every client (once
        the covariate is taken out).

    Raises
    ------
    ValueError
        For an unknown method, a missing or non-numeric column, or
        ``min_clients`` below 4.

    Examples
    --------
    >>> frame = pd.DataFrame({"engagement": [1, 2, 3, 4, 5], "progress": [2, 1, 4, 3, 5]})
    >>> rel = between_clients(frame, "engagement", "progress", min_clients=4)
    >>> round(rel.estimate, 3), round(rel.slope, 3), round(rel.intercept, 3)
    (0.8, 0.8, 0.6)
    """
    if method not in BETWEEN_METHODS:
        raise ValueError(f"method must be one of {BETWEEN_METHODS}; got method={method!r}")
    _check_columns(per_client, x, y, **({"covariate": adjust_for} if adjust_for else {}))
    q = 1 if adjust_for else 0
    _check_minimum("min_clients", min_clients, 4 + q, "the Fisher z interval needs n − 3 − q > 0")

    frame = _complete(per_client, [x, y, *([adjust_for] if adjust_for else [])]).astype("float64")
    n = len(frame)
    if n < min_clients:
        return _refused(
            method, x, y, n, n, _("only {n} clients have both {x} and {y}; at least {needed} are needed").format(
                n=n, x=x, y=y, needed=min_clients)
        )
    xs, ys = frame[x], frame[y]
    if method == SPEARMAN:
        xs, ys = xs.rank(), ys.rank()
    xc, yc = xs - xs.mean(), ys - ys.mean()
    if adjust_for:
        cc = frame[adjust_for] - frame[adjust_for].mean()
        if _varies(cc, frame[adjust_for]):
            xc, yc = xc - (xc @ cc) / (cc @ cc) * cc, yc - (yc @ cc) / (cc @ cc) * cc
    for name, centred, raw in ((x, xc, xs), (y, yc, ys)):
        if not _varies(centred, raw):
            reason = (_("{name} has the same value for all {n} clients once {covariate} is taken out, so a "
                        "correlation is undefined") if adjust_for else
                      _("{name} has the same value for all {n} clients, so a correlation is undefined"))
            return _refused(method, x, y, n, n, reason.format(name=name, n=n, covariate=adjust_for))

    dof = n - 2 - q
    r = _correlation(xc, yc)
    se_z = 1 / math.sqrt(n - 3 - q) if method == PEARSON else math.sqrt((1 + r * r / 2) / (n - 3 - q))
    raw_x, raw_y = frame[x], frame[y]
    if adjust_for:
        line_x, line_y = (xc, yc) if method == PEARSON else _residuals_of(frame, x, y, adjust_for)
    else:
        line_x, line_y = raw_x - raw_x.mean(), raw_y - raw_y.mean()
    slope, slope_low, slope_high = _slope(line_x, line_y, dof)
    return Relation(
        method,
        x,
        y,
        **_inference(r, dof, se_z),
        n=n,
        n_clients=n,
        slope=slope,
        intercept=float(raw_y.mean() - slope * raw_x.mean()),
        slope_ci_low=slope_low,
        slope_ci_high=slope_high,
        adjusted_for=adjust_for,
    )


def _residuals_of(frame: pd.DataFrame, x: str, y: str, covariate: str) -> tuple[pd.Series, pd.Series]:
    """x and y (raw values) minus their least-squares lines on the covariate."""
    cc = frame[covariate] - frame[covariate].mean()
    spread = float(cc @ cc)
    out = []
    for column in (x, y):
        vc = frame[column] - frame[column].mean()
        out.append(vc - (vc @ cc) / spread * cc if spread > 0 else vc)
    return out[0], out[1]


def within_client(
    df: pd.DataFrame,
    x: str,
    y: str,
    client: str = "client_id",
    time: str = "scheduled_start",
    detrend: bool = True,
    min_clients: int = 3,
    min_obs: int = 10,
) -> Relation:
    """Correlate a score with progress within clients (repeated-measures correlation).

    Each client's values are centred on that client's own means, so stable
    differences between clients cannot create or hide the link:

    .. math:: r_{rm} = \\frac{\\sum_{i,t} \\tilde x_{it} \\tilde y_{it}}
                             {\\sqrt{\\sum \\tilde x_{it}^2 \\sum \\tilde y_{it}^2}},
              \\quad \\tilde x_{it} = x_{it} - \\bar x_i,
              \\quad \\tilde y_{it} = y_{it} - \\bar y_i

    where x_it, y_it are client i's values at observation t and x̄_i, ȳ_i
    that client's means. With N observations from k clients, dof = N − k − 1;
    p is two-sided from t = r √(dof / (1 − r²)); the 95 % interval is Fisher
    z with n = dof + 2, i.e. se = 1/√(dof − 1) — as in rmcorr and pingouin.
    The slope is the common within-client OLS slope Σ x̃ỹ / Σ x̃², with a
    t interval (dof as above).

    ``detrend=True`` (the default) replaces x̃ and ỹ by the residuals of x and
    y from each client's own least-squares line on ``time``, so that two
    measures that merely drift over the course of therapy (alliance rising
    while goals improve) do not look linked (Curran & Bauer 2011; Wang &
    Maxwell 2015). Each client's fitted trend costs one more degree of
    freedom: dof = N − 2k − 1, and each client needs 3 observations.

    Parameters
    ----------
    df : DataFrame
        One row per observation (e.g. rated session). Rows missing x, y or
        the client (and the time, when detrending) are dropped, then clients
        left with fewer than 2 rows (3 when detrending).
    x, y : str
        Numeric columns of ``df``.
    client : str, default "client_id"
    time : str, default "scheduled_start"
        Numeric or datetime column (days) the trends are fitted on; only read
        when ``detrend``.
    detrend : bool, default True
    min_clients : int, default 3
        At least 3 (which guarantees dof ≥ 2).
    min_obs : int, default 10
        Fewest observations (after the drops) to answer from.

    Returns
    -------
    Relation
        ``n_clients_varying`` counts the clients whose x takes more than one
        value. Refused when below ``min_clients`` or ``min_obs``, or when x or
        y never varies within a client (once trends are removed).

    Raises
    ------
    ValueError
        For a missing or non-numeric column, or a minimum out of range.

    References
    ----------
    Bakdash & Marusich (2017); Bland & Altman (1995). On their bland1995 data
    (pH against PaCO2 in 8 subjects, ``detrend=False``) r = −0.507, 38 dof,
    95 % CI −0.71 to −0.23.

    Examples
    --------
    >>> frame = pd.DataFrame({"client_id": list("AAABBBCCC"),
    ...                       "engagement": [1, 2, 3, 4, 5, 6, 2, 2, 5],
    ...                       "goal": [2, 4, 3, 5, 5, 8, 1, 3, 2]})
    >>> within_client(frame, "engagement", "goal", detrend=False).reading
    'No estimate: only 9 observations of both engagement and goal from 3 clients with 2 or more; at least 10 observations from 3 clients are needed.'
    >>> rel = within_client(frame, "engagement", "goal", detrend=False, min_obs=9)
    >>> round(rel.estimate, 3), rel.dof, rel.n_clients_varying
    (0.4, 5, 3)
    """
    method = REPEATED_MEASURES
    _check_columns(df, x, y, client=client)
    if detrend and time not in df.columns:
        raise ValueError(
            f"time={time!r} is not a column of the data; the columns are {[str(c) for c in df.columns]}. "
            f"Detrending fits each client's line on time: name the time column with time=..., "
            f"or pass detrend=False."
        )
    _check_minimum("min_clients", min_clients, 3, "the interval needs dof − 1 > 0")
    _check_minimum("min_obs", min_obs, 1)

    per_client = 3 if detrend else 2
    frame = _complete(df, [client, x, y, *([time] if detrend else [])])
    frame = frame[frame.groupby(client)[x].transform("size") >= per_client].reset_index(drop=True)
    n, k = len(frame), frame[client].nunique()
    varying = _clients_varying(frame, client, x)
    if n < min_obs or k < min_clients:
        return _refused(
            method, x, y, n, k,
            _("only {n} observations of both {x} and {y} from {k} clients with {per_client} or more; at "
              "least {min_obs} observations from {min_clients} clients are needed").format(
                n=n, x=x, y=y, k=k, per_client=per_client, min_obs=min_obs, min_clients=min_clients),
            varying,
        )
    groups = frame[client]
    if detrend:
        step = _as_days(frame[time])
        xc, yc = _detrend(frame[x], groups, step), _detrend(frame[y], groups, step)
    else:
        xc, yc = _centre(frame[x], groups), _centre(frame[y], groups)
    for name, centred, raw in ((x, xc, frame[x]), (y, yc, frame[y])):
        if not _varies(centred, raw):
            reason = (_("{name} never varies within a client once each client's trend is removed, so a "
                        "within-client correlation is undefined") if detrend else
                      _("{name} never varies within a client, so a within-client correlation is undefined"))
            return _refused(method, x, y, n, k, reason.format(name=name), varying)
    dof = n - (2 if detrend else 1) * k - 1
    return _within_fit(method, x, y, xc, yc, n, k, dof, varying)


def lagged(
    df: pd.DataFrame,
    x: str,
    y: str,
    client: str = "client_id",
    time: str = "scheduled_start",
    detrend: bool = False,
    min_clients: int = 3,
    min_obs: int = 10,
) -> Relation:
    """Ask whether a score at one rated session predicts the next goal rating, beyond the current one.

    The cross-lagged fixed-effects panel design of Falkenström et al. (2017).
    For each client i, rated observations (x and y both present) are ordered
    by ``time``; each consecutive pair (t, t + 1) gives one row of

    .. math:: y_{i,t+1} = \\beta \\tilde x_{it} + \\gamma y_{it} + \\alpha_i
                          [+ \\delta_i \\tau_{it}] + e_{it},
              \\quad \\tilde x_{it} = x_{it} - \\bar x_i

    fitted by least squares: α_i are client fixed effects (every stable
    difference between clients is taken out), x̃ is x centred on the
    client's own mean over the pairs, y_it the current goal rating (so a
    score that merely moves *with* today's rating predicts nothing), and —
    with ``detrend=True`` — δ_i τ is a client-specific linear trend on the
    time τ of observation t (``time`` in days when it is a datetime), so a
    score and a goal rating that both drift over therapy do not look linked.
    The fixed effects and trends are removed by within-client least squares
    (Frisch–Waugh–Lovell), then β and γ are fitted.

    ``slope`` is β̂: goal points at the next rating per unit of x above the
    client's usual. Its standard error is cluster-robust by client (CR1:
    sandwich with Σ_i X_i'ê_i ê_i'X_i and the factor G/(G − 1) · (N − 1)/(N − 2),
    G clients, N pairs; Cameron & Miller 2015), so several pairs of one client
    are not counted as independent; the 95 % interval and the two-sided p use
    the t distribution with dof = G − 1. ``estimate`` is the partial
    correlation of x̃ with the next rating given the current one and the
    fixed effects (and trends), r = β̂ √S_xx / √(β̂² S_xx + S_ee), where S_xx
    is the sum of squares of x̃ residualised on the other terms and S_ee the
    residual sum of squares; its interval maps the slope's interval through
    the same formula (monotone), so the two always agree on whether 0 is in.
    Range: r in [−1, 1]; the slope is unbounded.

    The design controls for what differs stably between clients, for the
    current goal rating and (with ``detrend``) for each client's own linear
    drift over time. It cannot control for anything that changes within a
    client from one session to the next and moves both (a life event, a
    change of treatment), and with few ratings per client the fixed effects
    bias γ (Nickell 1981), hence slightly β when x and y are correlated.

    Parameters
    ----------
    df : DataFrame
        One row per session. Rows missing x, y, the client or the time are
        dropped; then clients with fewer than 2 pairs (3 with ``detrend``).
        Rows with the same time keep their input order.
    x, y : str
        Numeric columns of ``df``.
    client, time : str
        Client and ordering columns (``time`` numeric or datetime when
        detrending, any sortable type otherwise).
    detrend : bool, default False
    min_clients : int, default 3
        At least 3 (dof = G − 1 ≥ 2).
    min_obs : int, default 10
        Fewest session pairs to answer from.

    Returns
    -------
    Relation
        ``n`` pairs from ``n_clients`` clients; ``dof`` = n_clients − 1.
        Refused when below ``min_clients`` or ``min_obs``, or when x never
        varies within a client once the other terms are taken out.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, or a minimum out of range.
    """
    method = LAGGED
    _check_columns(df, x, y, client=client, time=time)
    _check_minimum("min_clients", min_clients, 3, "the interval needs dof − 1 > 0")
    _check_minimum("min_obs", min_obs, 1)

    frame = _complete(df, [client, time, x, y]).sort_values([client, time], kind="stable", ignore_index=True)
    frame["_next"] = frame[y].groupby(frame[client], sort=False).shift(-1)
    pairs = frame[frame["_next"].notna()]
    per_client = 3 if detrend else 2
    pairs = pairs[pairs.groupby(client)[x].transform("size") >= per_client].reset_index(drop=True)
    n, k = len(pairs), pairs[client].nunique()
    varying = _clients_varying(pairs, client, x)
    if n < min_obs or k < min_clients:
        return _refused(
            method, x, y, n, k,
            _("only {n} pairs of consecutive ratings of both {x} and {y} from {k} clients with {per_client} "
              "or more pairs; at least {min_obs} pairs from {min_clients} clients are needed").format(
                n=n, x=x, y=y, k=k, per_client=per_client, min_obs=min_obs, min_clients=min_clients),
            varying,
        )
    groups = pairs[client]
    if detrend:
        step = _as_days(pairs[time])
        within = lambda values: _detrend(values, groups, step)  # noqa: E731
    else:
        within = lambda values: _centre(values, groups)  # noqa: E731
    xr, yr, nr = (within(pairs[c].astype("float64")).to_numpy() for c in (x, y, "_next"))
    # x̃ with the current rating taken out (Frisch–Waugh–Lovell); the rating is kept only if it varies
    keep_y = float(yr @ yr) > 1e-12 * float(pairs[y].astype("float64") @ pairs[y].astype("float64"))
    x_perp = xr - (xr @ yr) / (yr @ yr) * yr if keep_y else xr
    if not _varies(pd.Series(x_perp), pairs[x].astype("float64")):
        reason = (_("{x} never varies within a client once the current {y}, each client's trend are taken "
                    "out, so the link is undefined") if detrend else
                  _("{x} never varies within a client once the current {y} are taken out, so the link is "
                    "undefined"))
        return _refused(method, x, y, n, k, reason.format(x=x, y=y), varying)
    sxx = float(x_perp @ x_perp)
    design = np.column_stack([xr, yr]) if keep_y else xr[:, None]
    coefficients = np.linalg.lstsq(design, nr, rcond=None)[0]
    slope = float(coefficients[0])
    residual = nr - design @ coefficients
    see = float(residual @ residual)
    if see <= 1e-12 * float(nr @ nr):
        return _refused(
            method, x, y, n, k,
            (_("within each client the next {y} is fully determined by the current one and the trend, so "
               "there is nothing left for {x} to predict") if detrend else
             _("within each client the next {y} is fully determined by the current one, so there is "
               "nothing left for {x} to predict")).format(x=x, y=y),
            varying,
        )
    se = _cluster_se(design, residual, groups.to_numpy())[0]
    dof = k - 1
    half = special.stdtrit(dof, 0.975) * se
    t = slope / se if se > 0 else math.copysign(math.inf, slope)

    def partial_r(b: float) -> float:
        denominator = math.sqrt(b * b * sxx + see)
        return math.copysign(1.0, b) if denominator == 0 else b * math.sqrt(sxx) / denominator

    return Relation(
        method, x, y,
        estimate=partial_r(slope),
        ci_low=partial_r(slope - half),
        ci_high=partial_r(slope + half),
        p_value=float(2 * special.stdtr(dof, -abs(t))),
        n=n,
        n_clients=k,
        dof=dof,
        slope=slope,
        slope_ci_low=slope - half,
        slope_ci_high=slope + half,
        n_clients_varying=varying,
    )


def within_client_values(
    df: pd.DataFrame, x: str, y: str, client: str = "client_id", time: str = "scheduled_start", detrend: bool = True
) -> pd.DataFrame:
    """The rows :func:`within_client` relates, with ``x_within`` and ``y_within``: each value
    minus its client's mean (``detrend=False``) or its client's own line on time — ready to plot.
    Clients with fewer than 2 (3 when detrending) complete rows are left out, as there.

    >>> within_client_values(pd.DataFrame({"client_id": ["a", "a"], "x": [1.0, 3.0], "y": [2.0, 2.0]}),
    ...                      "x", "y", detrend=False)[["x_within", "y_within"]].values.tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    frame = _complete(df, [client, x, y, *([time] if detrend else [])])
    frame = frame[frame.groupby(client)[x].transform("size") >= (3 if detrend else 2)].reset_index(drop=True)
    groups = frame[client]
    if detrend:
        step = _as_days(frame[time])
        return frame.assign(x_within=_detrend(frame[x], groups, step), y_within=_detrend(frame[y], groups, step))
    return frame.assign(x_within=_centre(frame[x], groups), y_within=_centre(frame[y], groups))


def holm(p_values) -> list[float | None]:
    """Holm's (1979) step-down adjustment of a family of p values.

    With the m defined p values sorted p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of
    p₍ⱼ₎ is max over i ≤ j of min(1, (m − i + 1) · p₍ᵢ₎). Rejecting where the
    adjusted p < α keeps the chance of any false finding in the family below
    α, whatever the dependence between the tests. None (a refused analysis)
    stays None and does not count in m. Range [0, 1], each ≥ its raw p.

    >>> holm([0.01, 0.04, 0.03, None])
    [0.03, 0.06, 0.06, None]
    """
    values = list(p_values)
    defined = sorted((p, i) for i, p in enumerate(values) if p is not None)
    m = len(defined)
    adjusted: list[float | None] = [None] * len(values)
    running = 0.0
    for rank, (p, i) in enumerate(defined):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = round(running, 12)
    return adjusted


def expected_range(n_clients: int, reference: Reference = FLUCKIGER_2018, adjusted_for: int = 0) -> tuple[float, float]:
    """The 95 % range of r a practice of *n_clients* would observe if its true r were the reference's.

    tanh(atanh(ρ) ± 1.96 / √(n − 3 − q)), ρ = ``reference.r``, q the number
    of covariates partialled out (Fisher z sampling distribution). A
    practice's r outside this range is unusual for a true ρ; inside it says
    nothing more precise than the range's width. Requires n − 3 − q ≥ 1.

    >>> [round(v, 2) for v in expected_range(60)]
    [0.03, 0.5]
    """
    spare = n_clients - 3 - adjusted_for
    if spare < 1:
        raise ValueError(f"expected_range needs n_clients > {3 + adjusted_for}; got n_clients={n_clients}")
    z, half = math.atanh(reference.r), _Z_975 / math.sqrt(spare)
    return math.tanh(z - half), math.tanh(z + half)


def family_reading(role: str, p_adjusted: float | None, family_size: int) -> str:
    """How one analysis of a family is judged, in words: the primary at its own p, any other
    after Holm's adjustment across the *family_size* exploratory ones (:func:`holm`).

    >>> family_reading("exploratory", 0.18, 13)
    'Exploratory, one of 13 links looked at: adjusted p = 0.18, not evidence once the number of links looked at is taken into account.'
    """
    if p_adjusted is None or p_adjusted != p_adjusted:
        return ""
    if role == "primary":
        return _("The question chosen in advance: judged on its own (p = {p}).").format(
            p=format_decimal(p_adjusted, 3))
    if p_adjusted < 0.05:
        return _("Exploratory, one of {size} links looked at: adjusted p = {p}, still evidence of a link after "
                 "taking into account the number of links looked at.").format(
            size=family_size, p=format_decimal(p_adjusted, 2))
    return _("Exploratory, one of {size} links looked at: adjusted p = {p}, not evidence once the number of "
             "links looked at is taken into account.").format(size=family_size, p=format_decimal(p_adjusted, 2))


def reference_reading(n_clients: int, reference: Reference = FLUCKIGER_2018, adjusted_for: int = 0) -> str:
    """What a practice of *n_clients* would see if its true r were the published one, in words.

    Uses :func:`expected_range`; says too that the reference concerns alliance and outcome only.
    Empty when there are too few clients for a range.

    >>> reference_reading(60)[:71]
    'Across 295 studies the alliance–outcome correlation is r = 0.278 (95 % '
    """
    if n_clients - 3 - adjusted_for < 1:
        return ""
    low, high = expected_range(n_clients, reference, adjusted_for)
    return _("Across {studies} studies the alliance–outcome correlation is r = {r} (95 % CI {ci_low}–{ci_high}; "
             "{citation}). Even if that were exactly this practice's true value, a practice of {n} clients "
             "would observe r anywhere from {low} to {high} (95 % of the time), so one practice's figure is a "
             "rough reading. The reference is for the alliance and outcome, not for the other scores.").format(
        studies=reference.studies, r=format_decimal(reference.r, 3), ci_low=format_decimal(reference.ci_low, 3),
        ci_high=format_decimal(reference.ci_high, 3), citation=reference.citation, n=n_clients,
        low=_fmt(low), high=_fmt(high))


PRIMARY = ("between clients", "alliance")


def relationship_family(
    per_client: pd.DataFrame,
    sessions: pd.DataFrame,
    scores: dict[str, str],
    measures: dict[str, str],
    progress: str = "progress_points",
    goal: str = "goal_rating",
    adjust_for: str | None = "attended",
    method: str = PEARSON,
) -> pd.DataFrame:
    """Every score × design the Relationships page shows, with Holm-adjusted p values.

    Between clients: each score of *scores* (column → label) against
    *progress*, partial r adjusted for *adjust_for* (sessions attended).
    Within clients (detrended) and session to session (lagged, detrended):
    each session measure of *measures* against *goal*. Alliance → progress
    between clients (:data:`PRIMARY`) is the pre-specified primary analysis,
    judged at its own p; every other row is exploratory and judged by its
    Holm-adjusted p across the exploratory rows (:func:`holm`).

    Returns
    -------
    DataFrame
        One row per analysis: design, x, label, role ("primary" or
        "exploratory"), estimate, ci_low, ci_high, p_value, p_adjusted,
        evidence (adjusted p < 0.05), relation (the :class:`Relation`).
    """
    # the within-client designs group and sort by client many times: by integer codes in the ids'
    # order (the same groups and order as the ids, about twice as fast as strings at 1M sessions)
    sessions = sessions.assign(client_id=pd.factorize(sessions["client_id"], sort=True)[0])
    rows = []
    for x, label in scores.items():
        rows.append((N_("between clients"), x, label,
                     between_clients(per_client, x, progress, method=method, adjust_for=adjust_for)))
    for x, label in measures.items():
        rows.append((N_("within clients"), x, label, within_client(sessions, x, goal)))
        rows.append((N_("session to session"), x, label, lagged(sessions, x, goal, detrend=True)))
    table = pd.DataFrame(
        [{"design": d, "x": x, "label": label,
          "role": N_("primary") if (d, x) == PRIMARY else N_("exploratory"),
          "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
          "relation": r} for d, x, label, r in rows]
    )
    for column in ("estimate", "ci_low", "ci_high", "p_value"):   # a refusal's None becomes NaN
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    exploratory = (table["role"] == "exploratory").to_numpy()
    adjusted = table["p_value"].to_numpy(copy=True)
    adjusted[exploratory] = [np.nan if p is None else p
                             for p in holm(_none_if_nan(p) for p in adjusted[exploratory])]
    table["p_adjusted"] = adjusted
    table["evidence"] = table["p_adjusted"] < 0.05
    return table


# ---------------------------------------------------------------- helpers


def _within_fit(method, x, y, xc: pd.Series, yc: pd.Series, n: int, k: int, dof: int,
                varying: int | None = None) -> Relation:
    """Relation from within-client centred values: Fisher z with n = dof + 2."""
    slope, slope_low, slope_high = _slope(xc, yc, dof)
    return Relation(
        method,
        x,
        y,
        **_inference(_correlation(xc, yc), dof, 1 / math.sqrt(dof - 1)),
        n=n,
        n_clients=k,
        slope=slope,
        slope_ci_low=slope_low,
        slope_ci_high=slope_high,
        n_clients_varying=varying,
    )


def _cluster_se(design: np.ndarray, residual: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Cluster-robust (CR1) standard errors of least-squares coefficients.

    V = c · (X'X)⁻¹ (Σ_g X_g'e_g e_g'X_g) (X'X)⁻¹ with c = G/(G − 1) · (N − 1)/(N − p),
    G clusters, N rows, p columns of X (Cameron & Miller 2015).
    """
    n, p = design.shape
    codes, uniques = pd.factorize(clusters)
    g = len(uniques)
    scores = np.zeros((g, p))
    np.add.at(scores, codes, design * residual[:, None])
    bread = np.linalg.inv(design.T @ design)
    factor = g / (g - 1) * (n - 1) / (n - p)
    return np.sqrt(np.diag(factor * bread @ (scores.T @ scores) @ bread))


def _clients_varying(frame: pd.DataFrame, client: str, x: str) -> int:
    """How many clients' x takes more than one value."""
    return int((frame.groupby(client)[x].nunique() > 1).sum())


def _as_days(values: pd.Series) -> pd.Series:
    """A time column as float: days since the epoch for datetimes, the number itself otherwise."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return (values - pd.Timestamp(0)).dt.total_seconds() / 86400.0
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    raise ValueError(
        f"time={values.name!r} must be a numeric or datetime column to fit trends on; it has dtype "
        f"{values.dtype}. Convert it first, or pass detrend=False."
    )


def _none_if_nan(value) -> float | None:
    return None if value is None or value != value else float(value)


def _correlation(xc: pd.Series, yc: pd.Series) -> float:
    """r of already-centred values, clipped to [-1, 1] against rounding."""
    r = float(xc @ yc) / math.sqrt(float(xc @ xc) * float(yc @ yc))
    return min(1.0, max(-1.0, r))


def _inference(r: float, dof: int, se_z: float) -> dict:
    """t-test p and Fisher z 95 % interval of a correlation r."""
    if abs(r) < 1:
        t, z = r * math.sqrt(dof / (1 - r * r)), math.atanh(r)
    else:  # a perfect line: p = 0 and a zero-width interval at ±1
        t = z = math.copysign(math.inf, r)
    return {
        "estimate": r,
        "ci_low": math.tanh(z - _Z_975 * se_z),
        "ci_high": math.tanh(z + _Z_975 * se_z),
        "p_value": float(2 * special.stdtr(dof, -abs(t))),
        "dof": dof,
    }


def _slope(xc: pd.Series, yc: pd.Series, dof: int) -> tuple[float, float, float]:
    """OLS slope of centred y on centred x, with its 95 % t interval."""
    sxx, sxy, syy = float(xc @ xc), float(xc @ yc), float(yc @ yc)
    slope = sxy / sxx
    residual_ss = max(syy - slope * sxy, 0.0)
    half = special.stdtrit(dof, 0.975) * math.sqrt(residual_ss / dof / sxx)
    return slope, float(slope - half), float(slope + half)


def _codes(groups: pd.Series) -> np.ndarray:
    """Each row's group as a non-negative integer, for ``np.bincount`` (the within-client designs
    pass codes already: they are kept)."""
    values = groups.to_numpy()
    if values.dtype.kind in "iu" and (len(values) == 0 or values.min() >= 0):
        return values.astype("int64", copy=False)
    return pd.factorize(groups)[0]


def _group_sums(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each row's group total of *values* (complete: the designs drop missing rows first)."""
    return np.bincount(codes, weights=values)[codes]


def _centre(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Values minus their group's mean."""
    codes = _codes(groups)
    v = values.to_numpy(dtype="float64")
    means = _group_sums(codes, v) / np.bincount(codes)[codes]
    return pd.Series(v - means, index=values.index, name=values.name)


def _detrend(values: pd.Series, groups: pd.Series, step: pd.Series) -> pd.Series:
    """Residuals of values from each group's own least-squares line on step."""
    codes = _codes(groups)
    by = pd.Series(codes, index=groups.index)
    vc, sc = _centre(values, by).to_numpy(), _centre(step, by).to_numpy()
    spread = _group_sums(codes, sc * sc)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(spread > 0, _group_sums(codes, vc * sc) / spread, 0.0)
    return pd.Series(vc - slope * sc, index=values.index, name=values.name)


def _varies(centred: pd.Series, raw: pd.Series) -> bool:
    """Whether centred values differ from 0 by more than rounding error.

    Centring constant values such as 0.1 leaves residues of ~1e-17, so
    "no variation" is a sum of squares below 1e-12 of the raw one.
    """
    return float(centred @ centred) > 1e-12 * float(raw @ raw)


def _complete(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The given columns (each once), rows with any missing value dropped."""
    return df[list(dict.fromkeys(columns))].dropna().reset_index(drop=True)


def _refused(method: str, x: str, y: str, n: int, n_clients: int, reason: str,
             varying: int | None = None) -> Relation:
    return Relation(method, x, y, None, None, None, None, n, n_clients, None, refused_because=reason,
                    n_clients_varying=varying)


def _check_columns(df: pd.DataFrame, x: str, y: str, **others: str) -> None:
    for role, column in {"x": x, "y": y, **others}.items():
        if column not in df.columns:
            raise ValueError(
                f"{role}={column!r} is not a column of the data; the columns are {[str(c) for c in df.columns]}"
            )
    for role, column in (("x", x), ("y", y)):
        if not pd.api.types.is_numeric_dtype(df[column]):
            raise ValueError(
                f"{role}={column!r} must be a numeric column; it has dtype {df[column].dtype}. "
                f"Convert it first, e.g. with pd.to_numeric."
            )


def _check_minimum(name: str, value: int, least: int, why: str = "") -> None:
    if value < least:
        because = f" ({why})" if why else ""
        raise ValueError(f"{name} must be at least {least}{because}; got {name}={value!r}")


def _fmt(value: float) -> str:
    """Two decimals with a true minus sign, in the current language: −0.12 ('−0,12')."""
    return format_decimal(value, 2).replace("-", "−")
