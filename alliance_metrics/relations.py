"""How scores relate to goal progress: correlations with honest intervals.

Three questions, three designs:

- :func:`between_clients` — do clients who score higher also progress more?
  (one row per client; Pearson or Spearman);
- :func:`within_client` — when a client scores higher than is usual *for that
  client*, is their goal rating higher too? (repeated-measures correlation);
- :func:`lagged` — does a client's score at one rated session predict the
  change in their goal rating to the next one?

The between-client and within-client answers can differ, even in sign: a
practice where more distressed clients engage more, yet every client does
better on the days they engage more, shows a negative link across clients
and a positive one within them (Simpson's paradox). Which question is asked
matters more than which coefficient is used.

Every function returns a :class:`Relation` with a 95 % confidence interval,
and refuses — ``estimate`` None and ``refused_because`` saying why — rather
than answer from too little data. None of these coefficients shows cause.

References
----------
Bakdash, J. Z., & Marusich, L. R. (2017). Repeated measures correlation.
*Frontiers in Psychology*, 8, 456.
Bland, J. M., & Altman, D. G. (1995). Calculating correlation coefficients
with repeated observations: Part 1 — correlation within subjects. *BMJ*, 310, 446.
Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for
estimating Pearson, Kendall and Spearman correlations. *Psychometrika*, 65(1), 23–28.
Falkenström, F., Ekeblad, A., & Holmqvist, R. (2016). Improvement of the
working alliance in one treatment session predicts improvement of depressive
symptoms by the next session. *J. Consult. Clin. Psychol.*, 84(8), 738–751.
Flückiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018). The
alliance in adult psychotherapy: A meta-analytic synthesis. *Psychotherapy*,
55(4), 316–340.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

PEARSON = "pearson"
SPEARMAN = "spearman"
REPEATED_MEASURES = "repeated-measures correlation"
LAGGED = "lagged within-client"
BETWEEN_METHODS = (PEARSON, SPEARMAN)

_Z_975 = stats.norm.ppf(0.975)  # 1.959964…, for 95 % intervals

# How `Relation.reading` words each method: (where the link is, coefficient
# symbol, what was counted).
_WORDING = {
    PEARSON: ("", "r", "{n_clients} clients"),
    SPEARMAN: ("", "ρ", "{n_clients} clients"),
    REPEATED_MEASURES: (" within clients", "r", "{n} observations from {n_clients} clients"),
    LAGGED: (" with the next change", "partial r", "{n} changes from {n_clients} clients"),
}


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
        The correlation: Pearson r, Spearman ρ, the repeated-measures r, or —
        for ``lagged`` — the partial r of x with the next change in y given
        the client. All lie in [-1, 1]. None when refused.
    ci_low, ci_high : float or None
        95 % confidence interval of ``estimate`` (Fisher z).
    p_value : float or None
        Two-sided p of ``estimate`` = 0, from the t distribution with ``dof``.
    n : int
        Observations used: clients for ``between_clients``, rated sessions for
        ``within_client``, session-to-session changes for ``lagged``.
    n_clients : int
        Distinct clients behind those observations.
    dof : int or None
        Residual degrees of freedom of the test.
    slope, intercept : float or None
        OLS line of y on x. Between clients: y = intercept + slope · x on the
        raw values (for either method). Within clients and lagged: the common
        within-client slope (change in y per unit of x); intercept None.
    refused_because : str or None
        Why no estimate was made (too few clients or observations, or no
        variation); None when there is an estimate.
    slope_ci_low, slope_ci_high : float or None
        95 % t interval of ``slope``.
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
            return f"No estimate: {self.refused_because}."
        shown = round(self.estimate, 2)
        strength = describe_strength(shown)
        direction = "" if strength == "negligible" else (" positive" if shown > 0 else " negative")
        where, symbol, counted = _WORDING[self.method]
        counted = counted.format(n=self.n, n_clients=self.n_clients)
        if self.ci_low <= 0 <= self.ci_high:
            verdict = "the interval includes 0 — no evidence either way."
        else:
            verdict = "the interval excludes 0 — evidence of a link, not of its cause."
        return (
            f"{strength.capitalize()}{direction} link{where} ({symbol} = {_fmt(self.estimate)}, "
            f"95 % CI {_fmt(self.ci_low)} to {_fmt(self.ci_high)}, {counted}); {verdict}"
        )


def between_clients(
    per_client: pd.DataFrame,
    x: str,
    y: str,
    method: str = PEARSON,
    min_clients: int = 10,
) -> Relation:
    """Correlate a score with progress across clients, one row per client.

    Pearson:

    .. math:: r = \\frac{\\sum (x_i - \\bar x)(y_i - \\bar y)}
                        {\\sqrt{\\sum (x_i - \\bar x)^2 \\sum (y_i - \\bar y)^2}},
              \\quad t = r \\sqrt{\\frac{n - 2}{1 - r^2}}

    where x_i, y_i are client i's values and n the number of clients with
    both; p is two-sided from t with n − 2 dof. The 95 % interval is
    tanh(atanh(r) ± 1.96 · se) with se = 1/√(n − 3) (Fisher z).

    Spearman: ρ is r computed on the ranks (ties get their average rank),
    with p from the same t, and the Fisher z interval with the Bonett &
    Wright (2000) standard error se = √((1 + ρ²/2)/(n − 3)).

    The slope and intercept are the OLS line of y on x on the raw values
    (the chart's trend line), whichever the method, with a t interval
    for the slope (n − 2 dof).

    Parameters
    ----------
    per_client : DataFrame
        One row per client. Rows missing x or y are dropped.
    x, y : str
        Numeric columns of ``per_client``.
    method : {"pearson", "spearman"}
    min_clients : int, default 10
        Fewer clients with both values than this gives a refusal. At least 4
        (the interval needs n − 3 > 0).

    Returns
    -------
    Relation
        Refused (``estimate`` None) when there are fewer than ``min_clients``
        clients, or when x or y has the same value for every client.

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
    _check_columns(per_client, x, y)
    _check_minimum("min_clients", min_clients, 4, "the Fisher z interval needs n − 3 > 0")

    frame = _complete(per_client, [x, y])
    n = len(frame)
    if n < min_clients:
        return _refused(
            method, x, y, n, n, f"only {n} clients have both {x} and {y}; at least {min_clients} are needed"
        )
    xs, ys = frame[x], frame[y]
    xc, yc = xs - xs.mean(), ys - ys.mean()
    for name, centred, raw in ((x, xc, xs), (y, yc, ys)):
        if not _varies(centred, raw):
            return _refused(
                method, x, y, n, n, f"{name} has the same value for all {n} clients, so a correlation is undefined"
            )

    dof = n - 2
    if method == PEARSON:
        r = _correlation(xc, yc)
        se_z = 1 / math.sqrt(n - 3)
    else:
        rx, ry = xs.rank(), ys.rank()
        r = _correlation(rx - rx.mean(), ry - ry.mean())
        se_z = math.sqrt((1 + r * r / 2) / (n - 3))
    slope, slope_low, slope_high = _slope(xc, yc, dof)
    return Relation(
        method,
        x,
        y,
        **_inference(r, dof, se_z),
        n=n,
        n_clients=n,
        slope=slope,
        intercept=float(ys.mean() - slope * xs.mean()),
        slope_ci_low=slope_low,
        slope_ci_high=slope_high,
    )


def within_client(
    df: pd.DataFrame,
    x: str,
    y: str,
    client: str = "client_id",
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

    Parameters
    ----------
    df : DataFrame
        One row per observation (e.g. rated session). Rows missing x, y or
        the client are dropped, then clients left with fewer than 2 rows.
    x, y : str
        Numeric columns of ``df``.
    client : str, default "client_id"
    min_clients : int, default 3
        At least 3 (which guarantees dof ≥ 2).
    min_obs : int, default 10
        Fewest observations (after the drops) to answer from.

    Returns
    -------
    Relation
        Refused when below ``min_clients`` or ``min_obs``, or when x or y
        never varies within a client.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, or a minimum out of range.

    References
    ----------
    Bakdash & Marusich (2017); Bland & Altman (1995). On their bland1995 data
    (pH against PaCO2 in 8 subjects) r = −0.507, 38 dof, 95 % CI −0.71 to −0.23.

    Examples
    --------
    >>> frame = pd.DataFrame({"client_id": list("AAABBBCCC"),
    ...                       "engagement": [1, 2, 3, 4, 5, 6, 2, 2, 5],
    ...                       "goal": [2, 4, 3, 5, 5, 8, 1, 3, 2]})
    >>> within_client(frame, "engagement", "goal").reading
    'No estimate: only 9 observations of both engagement and goal from 3 clients with two or more; at least 10 observations from 3 clients are needed.'
    >>> rel = within_client(frame, "engagement", "goal", min_obs=9)
    >>> round(rel.estimate, 3), rel.dof
    (0.4, 5)
    """
    method = REPEATED_MEASURES
    _check_columns(df, x, y, client=client)
    _check_minimum("min_clients", min_clients, 3, "the interval needs dof − 1 > 0")
    _check_minimum("min_obs", min_obs, 1)

    frame = _complete(df, [client, x, y])
    frame = frame[frame.groupby(client)[x].transform("size") >= 2]
    n, k = len(frame), frame[client].nunique()
    if n < min_obs or k < min_clients:
        return _refused(
            method, x, y, n, k,
            f"only {n} observations of both {x} and {y} from {k} clients with two or more; "
            f"at least {min_obs} observations from {min_clients} clients are needed",
        )
    groups = frame[client]
    xc, yc = _centre(frame[x], groups), _centre(frame[y], groups)
    for name, centred, raw in ((x, xc, frame[x]), (y, yc, frame[y])):
        if not _varies(centred, raw):
            return _refused(
                method, x, y, n, k, f"{name} never varies within a client, so a within-client correlation is undefined"
            )
    return _within_fit(method, x, y, xc, yc, n, k, dof=n - k - 1)


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
    """Ask whether a score at one rated session predicts the change in y to the next.

    A within-person lagged design (Falkenström et al. 2016). For each client,
    rated observations (x and y both present) are ordered by ``time`` and

    .. math:: \\Delta y_{it} = y_{i,t+1} - y_{it}

    is paired with the predictor x_it. Both are centred on the client's own
    means over the pairs (x̃, Δỹ), which removes stable differences between
    clients. The estimate is the partial correlation of x with the next
    change given the client, r = Σ x̃Δỹ / √(Σ x̃² Σ Δỹ²); the slope
    Σ x̃Δỹ / Σ x̃² is the change in y to the next rating per unit of x. With N
    pairs from k clients, dof = N − k − 1; p and the intervals are as in
    :func:`within_client`.

    ``detrend=True`` first replaces x and y by their residuals from each
    client's own least-squares line on the observation number (0, 1, 2, …).
    Why: when x drifts over the course of therapy (engagement rising) while
    y's gains slow down (early gains, then a plateau), x is high exactly when
    changes are small, and a link appears that nothing but time produced.
    Detrending removes the drift in x. (A linear trend in y becomes a
    constant in Δy, which centring already removes.) Each client's fitted
    trend in x costs a degree of freedom, so then dof = N − 2k − 1 and each
    client needs 4 rated observations instead of 3.

    This design does not adjust for y_t itself: if x and y move together at
    the same session, part of x_t's link with Δy_t can be regression of y
    towards the client's mean.

    Parameters
    ----------
    df : DataFrame
        One row per session. Rows missing x, y, the client or the time are
        dropped; then clients with fewer than 3 rated observations (4 with
        ``detrend``). Rows with the same time keep their input order.
    x, y : str
        Numeric columns of ``df``.
    client, time : str
        Client and ordering columns (``time`` any sortable type).
    detrend : bool, default False
    min_clients : int, default 3
        At least 3 (which guarantees dof ≥ 2).
    min_obs : int, default 10
        Fewest session-to-session changes (pairs) to answer from.

    Returns
    -------
    Relation
        Refused when below ``min_clients`` or ``min_obs``, or when x or the
        change in y never varies within a client.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, or a minimum out of range.
    """
    method = LAGGED
    _check_columns(df, x, y, client=client, time=time)
    _check_minimum("min_clients", min_clients, 3, "the interval needs dof − 1 > 0")
    _check_minimum("min_obs", min_obs, 1)

    per_client = 4 if detrend else 3
    frame = _complete(df, [client, time, x, y]).sort_values([client, time], kind="stable", ignore_index=True)
    frame = frame[frame.groupby(client)[x].transform("size") >= per_client].reset_index(drop=True)
    groups = frame[client]
    xs, ys = frame[x], frame[y]
    if detrend:
        step = frame.groupby(client).cumcount().astype("float64")
        xs, ys = _detrend(xs, groups, step), _detrend(ys, groups, step)
    change = ys.groupby(groups).shift(-1) - ys
    pair = change.notna()
    n, k = int(pair.sum()), groups[pair].nunique()
    if n < min_obs or k < min_clients:
        return _refused(
            method, x, y, n, k,
            f"only {n} changes in {y} from {k} clients with {per_client} or more observations of both "
            f"{x} and {y}; at least {min_obs} changes from {min_clients} clients are needed",
        )
    groups = groups[pair]
    xc, yc = _centre(xs[pair], groups), _centre(change[pair], groups)
    for name, centred, raw in ((x, xc, frame[x][pair]), (f"the change in {y}", yc, frame[y])):
        if not _varies(centred, raw):
            trend = " once each client's trend is removed" if detrend else ""
            return _refused(
                method, x, y, n, k, f"{name} never varies within a client{trend}, so the link is undefined"
            )
    dof = n - (2 * k if detrend else k) - 1
    return _within_fit(method, x, y, xc, yc, n, k, dof)


# ---------------------------------------------------------------- helpers


def _within_fit(method, x, y, xc: pd.Series, yc: pd.Series, n: int, k: int, dof: int) -> Relation:
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
    )


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
        "p_value": float(2 * stats.t.sf(abs(t), dof)),
        "dof": dof,
    }


def _slope(xc: pd.Series, yc: pd.Series, dof: int) -> tuple[float, float, float]:
    """OLS slope of centred y on centred x, with its 95 % t interval."""
    sxx, sxy, syy = float(xc @ xc), float(xc @ yc), float(yc @ yc)
    slope = sxy / sxx
    residual_ss = max(syy - slope * sxy, 0.0)
    half = stats.t.ppf(0.975, dof) * math.sqrt(residual_ss / dof / sxx)
    return slope, float(slope - half), float(slope + half)


def _centre(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Values minus their group's mean."""
    return values - values.groupby(groups, sort=False).transform("mean")


def _detrend(values: pd.Series, groups: pd.Series, step: pd.Series) -> pd.Series:
    """Residuals of values from each group's own least-squares line on step."""
    vc, sc = _centre(values, groups), _centre(step, groups)
    by = groups.to_numpy()
    slope = (vc * sc).groupby(by).transform("sum") / (sc * sc).groupby(by).transform("sum")
    return vc - slope * sc


def _varies(centred: pd.Series, raw: pd.Series) -> bool:
    """Whether centred values differ from 0 by more than rounding error.

    Centring constant values such as 0.1 leaves residues of ~1e-17, so
    "no variation" is a sum of squares below 1e-12 of the raw one.
    """
    return float(centred @ centred) > 1e-12 * float(raw @ raw)


def _complete(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The given columns (each once), rows with any missing value dropped."""
    return df[list(dict.fromkeys(columns))].dropna().reset_index(drop=True)


def _refused(method: str, x: str, y: str, n: int, n_clients: int, reason: str) -> Relation:
    return Relation(method, x, y, None, None, None, None, n, n_clients, None, refused_because=reason)


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
    """Two decimals with a true minus sign."""
    return f"{value:.2f}".replace("-", "−")
