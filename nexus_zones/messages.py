"""The message catalogue: every word the map and the brief show, in French and English.

:func:`t` returns a message by key in a language, formatted with keyword arguments; :func:`pick`
chooses a config text that may be given per language (``{fr: ..., en: ...}``). The sentences in the
style of the 2018 mission report ("Moins d'incidents sécuritaires en 2017 (2, contre 16 en moyenne
dans la région)") are written by :func:`sentences`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping

__all__ = ["LANGUAGES", "CATALOGUE", "t", "pick", "sentences", "number"]

Language = Literal["fr", "en"]
LANGUAGES = ("fr", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "score": {"en": "Nexus score", "fr": "Score Nexus"},
    "score_short": {"en": "Score", "fr": "Score"},
    "score_legend": {"en": "Nexus score (0–100, higher = more suitable)", "fr": "Score Nexus (0–100, plus haut = plus favorable)"},
    "unit": {"en": "Unit", "fr": "Unité"},
    "rank": {"en": "Rank", "fr": "Rang"},
    "region_rank": {"en": "Region rank", "fr": "Rang dans la région"},
    "score_line": {"en": "Score {score} / 100 · rank {rank} of {ranked} · region rank {region_rank}",
                   "fr": "Score {score} / 100 · rang {rank} sur {ranked} · rang dans la région {region_rank}"},
    "not_ranked": {"en": "not ranked", "fr": "non classé"},
    "band": {"en": "Rank band {band} (5–95 % of {draws} weightings) · top {k} in {share} % · {verdict}",
             "fr": "Rangs {band} (5–95 % de {draws} pondérations) · parmi les {k} premiers dans {share} % · {verdict}"},
    "robust": {"en": "robust", "fr": "robuste"},
    "not_robust": {"en": "not robust", "fr": "non robuste"},
    "complete": {"en": "data complete at {share} %", "fr": "données complètes à {share} %"},
    "similar": {"en": "similarity to {ref}: {value}", "fr": "similarité avec {ref} : {value}"},
    "profile": {"en": "profile {n}", "fr": "profil {n}"},
    "indicator": {"en": "Indicator", "fr": "Indicateur"},
    "value": {"en": "Value", "fr": "Valeur"},
    "points": {"en": "Points", "fr": "Points"},
    "worst_used": {"en": "worst value used", "fr": "pire valeur utilisée"},
    "imputed": {"en": "imputed", "fr": "imputé"},
    "no_data": {"en": "no data / not scored", "fr": "pas de données / non noté"},
    "no_data_rule": {"en": "(no data)", "fr": "(pas de données)"},
    "lower_better": {"en": "lower is better", "fr": "plus bas = mieux"},
    "higher_better": {"en": "higher is better", "fr": "plus haut = mieux"},
    "weight": {"en": "weight", "fr": "poids"},
    "least": {"en": "least favourable", "fr": "le moins favorable"},
    "most": {"en": "most favourable", "fr": "le plus favorable"},
    "source": {"en": "Source", "fr": "Source"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "rules": {"en": "Rules", "fr": "Règles"},
    "rules_view": {"en": "Rules (pass / fail)", "fr": "Règles (respectées / non)"},
    "passes_all": {"en": "passes every rule", "fr": "respecte toutes les règles"},
    "fails_one": {"en": "fails at least one rule", "fr": "ne respecte pas au moins une règle"},
    "robustness_view": {"en": "Robustness (share of weightings in the top {k})", "fr": "Robustesse (part des pondérations parmi les {k} premiers)"},
    "robustness_legend": {"en": "Share of {draws} perturbed weightings that put the unit in the top {k}",
                          "fr": "Part des {draws} pondérations perturbées qui placent l'unité parmi les {k} premières"},
    "robust_def": {"en": "Robust: in the top {k} in ≥ {hi} of draws, or in ≤ {lo}.", "fr": "Robuste : parmi les {k} premières dans ≥ {hi} des tirages, ou ≤ {lo}."},
    "similarity_view": {"en": "Units like {ref}", "fr": "Unités comparables à {ref}"},
    "similarity_legend": {"en": "Similarity of the indicator profile to {ref}", "fr": "Similarité du profil d'indicateurs avec {ref}"},
    "opposite": {"en": "opposite", "fr": "opposé"},
    "identical": {"en": "identical", "fr": "identique"},
    "profiles_view": {"en": "Profiles (k-means)", "fr": "Profils (k-moyennes)"},
    "profiles_legend": {"en": "Profiles of units (k-means on normalised indicators)", "fr": "Profils d'unités (k-moyennes sur les indicateurs normalisés)"},
    "strongest": {"en": "strongest: {a}; weakest: {b}", "fr": "point fort : {a} ; point faible : {b}"},
    "units_summary": {"en": "{units} units, {ranked} ranked · {indicators} indicators, {rules} rules · config {sha}",
                      "fr": "{units} unités, {ranked} classées · {indicators} indicateurs, {rules} règles · config {sha}"},
    "generated": {"en": "Generated {date}", "fr": "Produit le {date}"},
    "tiles": {"en": "OpenStreetMap (online only)", "fr": "OpenStreetMap (en ligne seulement)"},
    "outlines": {"en": "Region outlines and names", "fr": "Limites et noms des régions"},
    "top_k": {"en": "Top {k} outlined", "fr": "{k} premières entourées"},
    "more": {"en": "More", "fr": "Plus"},
    "fewer": {"en": "Fewer", "fr": "Moins"},
    "sentence": {"en": "{word} {phrase} ({value}, against {mean} on average in the region)",
                 "fr": "{word} {phrase} ({value}, contre {mean} en moyenne dans la région)"},
    "same_as_region": {"en": "{phrase} as in the rest of the region ({value})", "fr": "{phrase} comme dans le reste de la région ({value})"},
    "rule_ok": {"en": "✔ {rule}", "fr": "✔ {rule}"},
    "rule_ko": {"en": "✘ {rule}", "fr": "✘ {rule}"},
    "why": {"en": "Why this unit?", "fr": "Pourquoi cette unité ?"},
    "pin": {"en": "Keep in the side panel", "fr": "Garder dans le panneau latéral"},
    "weights_panel": {"en": "Weights (try other priorities)", "fr": "Poids (essayer d'autres priorités)"},
    "reset": {"en": "Reset to the config's weights", "fr": "Revenir aux poids de la configuration"},
    "copy_yaml": {"en": "Copy as YAML", "fr": "Copier en YAML"},
    "copied": {"en": "Copied. Paste under indicators: in the config.", "fr": "Copié. À coller sous indicators: dans la configuration."},
    "select_copy": {"en": "Select the text and copy it.", "fr": "Sélectionnez le texte et copiez-le."},
    "ranking": {"en": "Ranking", "fr": "Classement"},
    "name": {"en": "Name", "fr": "Nom"},
    "region": {"en": "Region", "fr": "Région"},
    "status_ranked": {"en": "ranked", "fr": "classé"},
    "status_fails": {"en": "ranked, fails rules", "fr": "classé, règles non respectées"},
    "status_excluded": {"en": "not ranked: fails rules", "fr": "non classé : règles non respectées"},
    "status_missing": {"en": "not scored: missing data", "fr": "non noté : données manquantes"},
    "points_layer": {"en": "{label} (points)", "fr": "{label} (points)"},
    "pillar": {"en": "Pillar", "fr": "Pilier"},
    "brief_title": {"en": "Mission brief", "fr": "Note de mission"},
    "method": {"en": "Method", "fr": "Méthode"},
    "method_text": {
        "en": "Indicators are normalised to 0–1 (1 = most favourable), weighted and aggregated ({aggregation}) into a score from 0 to 100. "
              "Rules are pass/fail conditions; units failing a rule are {failing}. Rank bands come from {draws} random weightings around the configured weights "
              "(Dirichlet, concentration {concentration}, seed {seed}).",
        "fr": "Les indicateurs sont normalisés sur 0–1 (1 = le plus favorable), pondérés et agrégés ({aggregation}) en un score de 0 à 100. "
              "Les règles sont des conditions respectées ou non ; les unités qui ne respectent pas une règle sont {failing}. Les fourchettes de rangs viennent de "
              "{draws} pondérations tirées au hasard autour des poids de la configuration (Dirichlet, concentration {concentration}, graine {seed}).",
    },
    "failing_flag": {"en": "flagged but ranked", "fr": "signalées mais classées"},
    "failing_exclude": {"en": "left out of the ranking", "fr": "écartées du classement"},
    "top_units": {"en": "Top units and why", "fr": "Unités en tête et pourquoi"},
    "rank_band": {"en": "Rank band", "fr": "Fourchette de rangs"},
    "robust_col": {"en": "Robust", "fr": "Robuste"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "map": {"en": "Map", "fr": "Carte"},
    "failed_rules": {"en": "Rules failed", "fr": "Règles non respectées"},
}

#: Messages of follow-up studies over several periods (see :mod:`nexus_zones.periods`).
CATALOGUE.update({
    "change_head": {"en": "{name}: region rank {rr_a} → {rr_b}, rank {r_a} → {r_b}, score {s_a} → {s_b} between {a} and {b}",
                    "fr": "{name} : rang régional {rr_a} → {rr_b}, rang {r_a} → {r_b}, score {s_a} → {s_b} entre {a} et {b}"},
    "change_sep": {"en": "; ", "fr": " ; "},
    "periods_method": {"en": "Periods {periods}: one model run on each. To keep a score comparable across periods, the bounds of normalisation are pooled over "
                             "every period (the lowest and highest value of all periods) for: {pooled}; fixed goalposts or curves for: {fixed}.",
                       "fr": "Périodes {periods} : un même modèle appliqué à chacune. Pour qu'un score reste comparable d'une période à l'autre, les bornes "
                             "de normalisation sont communes à toutes les périodes (plus petite et plus grande valeur de toutes les périodes) pour : {pooled} ; "
                             "bornes fixes (goalposts ou courbes) pour : {fixed}."},
    "period": {"en": "Period", "fr": "Période"},
    "change_view": {"en": "Change between two periods", "fr": "Évolution entre deux périodes"},
    "change_rank": {"en": "rank", "fr": "rang"},
    "change_score": {"en": "score", "fr": "score"},
    "change_legend_rank": {"en": "Ranks gained (green) or lost (purple), {a} → {b}", "fr": "Rangs gagnés (vert) ou perdus (violet), {a} → {b}"},
    "change_legend_score": {"en": "Score change (points), {a} → {b}", "fr": "Évolution du score (points), {a} → {b}"},
    "trajectory": {"en": "Over the periods", "fr": "Au fil des périodes"},
    "changes_title": {"en": "What changed between {a} and {b}", "fr": "Ce qui a changé entre {a} et {b}"},
    "entering_top": {"en": "Entering the top {k}: {units}", "fr": "Entrent parmi les {k} premiers : {units}"},
    "leaving_top": {"en": "Leaving the top {k}: {units}", "fr": "Sortent des {k} premiers : {units}"},
    "no_unit": {"en": "none", "fr": "aucun"},
    "trajectories_title": {"en": "Trajectories of the top {k} units of {b}", "fr": "Trajectoires des {k} premières unités de {b}"},
})


def t(key: str, language: str = "en", **values: Any) -> str:
    """The message ``key`` in ``language``, formatted with ``values``."""
    entry = CATALOGUE[key]
    text = entry.get(language) or entry["en"]
    return text.format(**values) if values else text


def pick(text: str | Mapping[str, str] | None, language: str, default: str = "") -> str:
    """A config text given plainly or per language (the language asked for, else English, else any)."""
    if text is None:
        return default
    if isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()), default)


def number(value: float, language: str = "en", digits: int = 3) -> str:
    """A number for people: whole numbers and numbers of 1000 or more without decimals and with a
    thin space between thousands; others with ``digits`` significant digits (decimal comma in French)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if (v.is_integer() or abs(v) >= 1000) and abs(v) < 1e15:
        return f"{round(v):,}".replace(",", "\u202f")
    text = f"{v:.{digits}g}"
    return text.replace(".", ",") if language == "fr" else text


def _with_de(phrase: str) -> str:
    """French "de" before a noun phrase, elided before a vowel or mute h ("d'incidents")."""
    return ("d'" if phrase[:1].lower() in "aeiouyhéèêàâîôû" else "de ") + phrase


def sentences(
    value: float,
    region_mean: float,
    phrase: str,
    direction: str,
    language: str,
) -> tuple[str, bool] | None:
    """One sentence comparing a unit's value with its region's mean, and whether it is a strength.

    ``phrase`` is a noun phrase ("security incidents in 2017" / "incidents sécuritaires en 2017").
    Returns ``None`` when a value is missing.
    """
    if value is None or region_mean is None or math.isnan(value) or math.isnan(region_mean):
        return None
    if math.isclose(value, region_mean, rel_tol=1e-9, abs_tol=1e-12):
        return t("same_as_region", language, phrase=phrase[:1].upper() + phrase[1:], value=number(value, language)), True
    lower = value < region_mean
    word = t("fewer" if lower else "more", language)
    shown = _with_de(phrase) if language == "fr" else phrase
    text = t("sentence", language, word=word, phrase=shown, value=number(value, language), mean=number(region_mean, language, 2))
    strength = lower if direction == "cost" else not lower
    return text, strength
