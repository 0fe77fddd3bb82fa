"""Weights: derived from expert judgement (AHP) or from the data (entropy, CRITIC, PCA), for comparison.

* :func:`ahp` — the principal eigenvector of a reciprocal pairwise-comparison matrix, with Saaty's
  consistency index CI = (λmax − n)/(n − 1) and consistency ratio CR = CI / RI(n); a CR above 0.1
  means the judgements contradict each other too much to be used.
* :func:`entropy` — Shannon-entropy weights: indicators whose values differ more between units get
  more weight (wⱼ ∝ 1 − Eⱼ).
* :func:`critic` — CRITIC (Diakoulaki et al. 1995): wⱼ ∝ σⱼ · Σₖ (1 − rⱼₖ), contrast times conflict.
* :func:`pca` — weights from a principal component analysis (scikit-learn) of the standardised
  indicators: squared loadings of the components that explain most of the variance, weighted by the
  share of variance they explain (the OECD/JRC handbook's procedure).

Data-driven weights describe the data, not priorities: they are offered side by side with the
expert's weights, never in their place. All kernels take a units × indicators array of normalised
values (0–1, higher = better) without missing values and return weights summing to 1.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .errors import DegenerateWeightsWarning

__all__ = ["RANDOM_INDEX", "AHPResult", "pairwise_matrix", "ahp", "entropy", "critic", "pca", "DATA_METHODS"]

#: Saaty's random consistency index RI(n) for n = 1..15 (Saaty 1980; Saaty 2008, Table 3 gives n ≤ 10).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)

#: The consistency ratio above which AHP judgements are rejected.
MAX_CONSISTENCY_RATIO = 0.1


@dataclass(frozen=True)
class AHPResult:
    """AHP priorities and their consistency."""

    weights: dict[str, float]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float


def pairwise_matrix(names: Sequence[str], judgements: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    """Build the reciprocal matrix from ``{a: {b: x}}`` ("a is x times as important as b").

    Each unordered pair must be judged once (in either direction); the diagonal is 1.
    Raises ``ValueError`` naming missing, repeated or non-positive judgements.
    """
    index = {n: i for i, n in enumerate(names)}
    n = len(names)
    matrix = np.full((n, n), np.nan)
    np.fill_diagonal(matrix, 1.0)
    problems = []
    for a, row in judgements.items():
        for b, value in row.items():
            if a not in index or b not in index:
                problems.append(f"{a} / {b}: unknown name (expected among {', '.join(names)})")
                continue
            if a == b:
                problems.append(f"{a} / {b}: an item is not compared with itself")
                continue
            if not value or value <= 0 or not np.isfinite(value):
                problems.append(f"{a} / {b}: {value!r} is not a positive number (use 1 to 9 or their reciprocals)")
                continue
            i, j = index[a], index[b]
            if not np.isnan(matrix[i, j]):
                problems.append(f"{a} / {b}: judged twice")
                continue
            matrix[i, j], matrix[j, i] = float(value), 1.0 / float(value)
    missing = [f"{names[i]} / {names[j]}" for i in range(n) for j in range(i + 1, n) if np.isnan(matrix[i, j])]
    if missing:
        problems.append(f"pairs not judged: {', '.join(missing)}")
    if problems:
        raise ValueError("; ".join(problems))
    return matrix


def ahp(names: Sequence[str], judgements: Mapping[str, Mapping[str, float]]) -> AHPResult:
    """AHP weights by the principal eigenvector, and Saaty's consistency ratio."""
    matrix = pairwise_matrix(names, judgements)
    n = len(names)
    values, vectors = np.linalg.eig(matrix)
    k = int(np.argmax(values.real))
    vector = np.abs(vectors[:, k].real)
    w = vector / vector.sum()
    lam = float(values[k].real)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = RANDOM_INDEX[n - 1] if n <= len(RANDOM_INDEX) else RANDOM_INDEX[-1]
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(weights=dict(zip(names, (float(x) for x in w))), lambda_max=lam, consistency_index=ci, consistency_ratio=cr)


def _check(matrix: np.ndarray) -> np.ndarray:
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or np.isnan(x).any():
        raise ValueError("data-driven weights need at least 2 units and no missing value")
    return x


def entropy(matrix: np.ndarray) -> np.ndarray:
    """Entropy weights: pᵢⱼ = xᵢⱼ / Σᵢ xᵢⱼ, Eⱼ = −Σᵢ pᵢⱼ ln pᵢⱼ / ln m, wⱼ ∝ 1 − Eⱼ (0 ln 0 = 0).

    A column of zeros carries no information (E = 1). If every column has E = 1, weights are equal.
    """
    x = _check(matrix)
    m = x.shape[0]
    sums = x.sum(axis=0)
    p = np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = np.where(sums > 0, -plogp.sum(axis=0) / np.log(m), 1.0)
    d = 1.0 - e
    return d / d.sum() if d.sum() > 0 else np.full(x.shape[1], 1.0 / x.shape[1])


def critic(matrix: np.ndarray) -> np.ndarray:
    """CRITIC weights: Cⱼ = σⱼ Σₖ (1 − rⱼₖ), wⱼ = Cⱼ / Σ C (σ: standard deviation of the normalised
    values; r: Pearson correlation; a constant column has σ = 0 and correlation 0 with the others)."""
    x = _check(matrix)
    sd = x.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.corrcoef(x, rowvar=False)
    r = np.nan_to_num(np.atleast_2d(r), nan=0.0)
    np.fill_diagonal(r, 1.0)
    c = sd * (1.0 - r).sum(axis=0)
    return c / c.sum() if c.sum() > 0 else np.full(x.shape[1], 1.0 / x.shape[1])


def pca(matrix: np.ndarray, *, variance: float = 0.9) -> np.ndarray:
    """PCA weights (OECD/JRC handbook, section 6.1): standardise, keep the fewest components that
    explain ``variance`` of the total, square their loadings scaled to unit sum per component, take
    each indicator's largest squared loading, weighted by its component's share of the kept variance.

    A constant column carries no information and gets weight 0, as in :func:`entropy` and
    :func:`critic`; when every column is constant there is no variance to explain and the weights
    are equal, with a :class:`~nexus_zones.errors.DegenerateWeightsWarning`.
    """
    x = _check(matrix)
    varying = _varying_columns(x)
    if not varying.any():
        warnings.warn(DegenerateWeightsWarning(
            f"PCA weights: all {x.shape[1]} indicators have the same value for every unit, so there is no variance to "
            "explain; equal weights are shown for PCA"), stacklevel=2)
        return np.full(x.shape[1], 1.0 / x.shape[1])
    w = np.zeros(x.shape[1])
    w[varying] = _pca_kernel(x[:, varying], variance)
    return w / w.sum() if w.sum() > 0 else np.full(x.shape[1], 1.0 / x.shape[1])


def _varying_columns(x: np.ndarray) -> np.ndarray:
    """Columns whose spread is more than rounding noise around their mean."""
    spread = x.max(axis=0) - x.min(axis=0)
    return spread > 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0))


def _pca_kernel(x: np.ndarray, variance: float) -> np.ndarray:
    # The principal components of the standardised matrix by its singular value decomposition, as
    # scikit-learn's PCA(svd_solver="full") finds them (the same LAPACK routine), without the second
    # of start-up its import costs; tests check the weights against scikit-learn's.
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=0)
    _, singular, components = np.linalg.svd(z, full_matrices=False)
    ratios = singular**2 / (singular**2).sum()
    keep = int(np.searchsorted(np.cumsum(ratios), variance - 1e-12) + 1)
    keep = max(1, min(keep, len(ratios)))
    loadings = components[:keep] ** 2  # components × indicators
    loadings = loadings / loadings.sum(axis=1, keepdims=True)
    share = ratios[:keep] / ratios[:keep].sum()
    best = np.argmax(loadings, axis=0)
    return np.array([loadings[best[j], j] * share[best[j]] for j in range(x.shape[1])])


DATA_METHODS = {"entropy": entropy, "critic": critic, "pca": pca}
