"""The message catalogue: every word the map and the brief show, in French and English.

:func:`t` returns a message by key in a language, formatted with keyword arguments; :func:`pick`
chooses a config text that may be given per language (``{fr: ..., en: ...}``). The sentences in the
style of the 2018 mission report ("Moins d'incidents sécuritaires en 2017 (2, contre 16 en moyenne
dans la région)") are written by :func:`sentences`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping

__all__ = ["LANGUAGES", "CATALOGUE", "t", "pick", "has_language", "sentences", "comparison", "number", "fixed", "percent", "largest_remainder", "THOUSANDS", "DECIMAL"]

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
    "band": {"en": "Rank band {band} (5–95% of {draws} weightings) · top {k} in {share}% · {verdict}",
             "fr": "Rangs {band} (5–95\u202f% de {draws} pondérations) · parmi les {k} premiers dans {share}\u202f% · {verdict}"},
    "robust_in": {"en": "in the top {k} whatever the weights", "fr": "parmi les {k} premières quels que soient les poids"},
    "robust_out": {"en": "outside the top {k} whatever the weights", "fr": "hors des {k} premières quels que soient les poids"},
    "not_robust": {"en": "in or out of the top {k} depending on the weights", "fr": "parmi les {k} premières ou non selon les poids"},
    "complete": {"en": "data complete at {share}%", "fr": "données complètes à {share}\u202f%"},
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
    "robust_def": {"en": "\u201cWhatever the weights\u201d: in the top {k} in ≥ {hi} of the {draws} weightings tried around the config's, or in ≤ {lo} of them; otherwise the top-{k} choice depends on the weights.",
                   "fr": "\u00ab\u00a0Quels que soient les poids\u00a0\u00bb : parmi les {k} premières dans ≥ {hi} des {draws} pondérations essayées autour de celles de la configuration, ou dans ≤ {lo} ; sinon le choix des {k} premières dépend des poids."},
    "similarity_view": {"en": "Units like {ref}", "fr": "Unités comparables à {ref}"},
    "config_weights_note": {"en": "The sliders have moved: the points, rank band, sentences and legends below are at the config's weights.",
                            "fr": "Les curseurs ont bougé : les points, la fourchette de rangs, les phrases et les légendes ci-dessous sont aux poids de la configuration."},
    "unit_names": {"en": "Unit names", "fr": "Noms des unités"},
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
    "sentence_label": {"en": "{label}: {value}, {side} the region's average ({mean})", "fr": "{label} : {value}, {side} la moyenne de la région ({mean})"},
    "below": {"en": "below", "fr": "sous"},
    "above": {"en": "above", "fr": "au-dessus de"},
    "same_label": {"en": "{label}: {value}, as in the rest of the region", "fr": "{label} : {value}, comme dans le reste de la région"},
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
    "failing_last": {"en": "ranked after every unit passing all rules, by the number of rules failed, then by score (rules first)",
                     "fr": "classées après toutes les unités qui respectent toutes les règles, selon le nombre de règles non respectées, puis le score (les règles d'abord)"},
    "top_units": {"en": "Top units and why", "fr": "Unités en tête et pourquoi"},
    "rank_band": {"en": "Rank band", "fr": "Fourchette de rangs"},
    "robust_col": {"en": "Top {k} whatever the weights", "fr": "Parmi les {k} premières quels que soient les poids"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "map": {"en": "Map", "fr": "Carte"},
    "failed_rules": {"en": "Rules failed", "fr": "Règles non respectées"},
    # issue 14: from a ranking to a defensible choice
    "scope_region": {"en": "in its region", "fr": "de sa région"},
    "scope_national": {"en": "nationally", "fr": "au niveau national"},
    "choice_found": {"en": "{name} becomes 1st {scope} if {changes}", "fr": "{name} devient 1er {scope} si {changes}"},
    "change_first": {"en": "the weight of “{label}” goes from {a} to {b}", "fr": "le poids de « {label} » passe de {a} à {b}"},
    "change_more": {"en": "that of “{label}” from {a} to {b}", "fr": "celui de « {label} » de {a} à {b}"},
    "and": {"en": " and ", "fr": " et "},
    "choice_tail": {"en": " (weight moved: {moved}; 1st under {share} of all weightings)", "fr": " (poids déplacé : {moved} ; 1er pour {share} de toutes les pondérations)"},
    "choice_already": {"en": "{name} is already 1st {scope} with the config's weights (1st under {share} of all weightings)",
                       "fr": "{name} est déjà 1er {scope} avec les poids de la configuration (1er pour {share} de toutes les pondérations)"},
    "choice_blocked": {"en": "No weighting puts {name} 1st {scope}: rules first ranks units failing fewer rules ahead",
                       "fr": "Aucune pondération ne place {name} 1er {scope} : les unités qui respectent plus de règles passent devant"},
    "choice_impossible": {"en": "No weighting of the indicators puts {name} 1st {scope}", "fr": "Aucune pondération des indicateurs ne place {name} 1er {scope}"},
    "choices": {"en": "The weights behind a choice", "fr": "Les poids derrière un choix"},
    "choices_method": {"en": "Closest weights in L1 distance on the simplex of the weighted indicators ({method}); shares from {draws} uniform weightings (seed {seed}).",
                       "fr": "Poids les plus proches en distance L1 sur le simplexe des indicateurs pondérés ({method}) ; parts sur {draws} pondérations uniformes (graine {seed})."},
    "pilots": {"en": "A set of pilots", "fr": "Un ensemble de pilotes"},
    "pilots_view": {"en": "Pilot set (integer programme)", "fr": "Ensemble de pilotes (programme en nombres entiers)"},
    "pilot_best": {"en": "chosen set", "fr": "ensemble retenu"},
    "pilot_alt": {"en": "in a next-best set", "fr": "dans un ensemble suivant"},
    "pilot_none": {"en": "not in these sets", "fr": "hors de ces ensembles"},
    "pilots_best": {"en": "Best set of {k}: {names} (total {objective})", "fr": "Meilleur ensemble de {k} : {names} (total {objective})"},
    "pilots_next": {"en": "Set {n}: {names} ({gap} less: {added} instead of {removed})", "fr": "Ensemble {n} : {names} ({gap} de moins : {added} au lieu de {removed})"},
    "pilots_binding": {"en": "Constraints that bind (dropping one gives a better set): {names}", "fr": "Contraintes qui lient (en retirer une donne un meilleur ensemble) : {names}"},
    "pilots_none": {"en": "No set satisfies the constraints.", "fr": "Aucun ensemble ne respecte les contraintes."},
    "pilot_member": {"en": "In the chosen set of pilots", "fr": "Dans l'ensemble de pilotes retenu"},
    "stakeholders": {"en": "Several stakeholders", "fr": "Plusieurs parties prenantes"},
    "agreement_view": {"en": "Agreement (top {k} for every weight set)", "fr": "Accord (parmi les {k} premières pour chaque jeu de poids)"},
    "agreement_legend": {"en": "Weight sets ({sets}) that put the unit in the top {k}", "fr": "Jeux de poids ({sets}) qui placent l'unité parmi les {k} premières"},
    "agreement_all": {"en": "In the top {k} of every weight set ({sets}): {names}", "fr": "Parmi les {k} premières pour chaque jeu de poids ({sets}) : {names}"},
    "agreement_unit": {"en": "In the top {k} of {n} of {m} weight sets", "fr": "Parmi les {k} premières pour {n} des {m} jeux de poids"},
    "none": {"en": "none", "fr": "aucune"},
    "copy_code": {"en": "Copy my weights as a code", "fr": "Copier mes poids sous forme de code"},
    "code_note": {"en": "Add this code under stakeholders.participants: in the config to pool it.",
                  "fr": "Ajoutez ce code sous stakeholders.participants: dans la configuration pour le mettre en commun."},
    "data_uncertainty": {"en": "Uncertainty in the data", "fr": "Incertitude des données"},
    "data_band": {"en": "Rank with perturbed data: {band} (5–95% of {draws} draws)", "fr": "Rang avec données perturbées : {band} (5–95\u202f% de {draws} tirages)"},
    "data_share": {"en": "{source}: {share} of the rank variance", "fr": "{source} : {share} de la variance des rangs"},
    # page layout (issue 18.8)
    "note_more": {"en": "more…", "fr": "lire la suite…"},
    "note_less": {"en": "less", "fr": "réduire"},
    "rules_failed": {"en": "Rules failed", "fr": "Règles non respectées"},
    "region_rank_view": {"en": "Rank within the region", "fr": "Rang dans la région"},
    "region_rank_legend": {"en": "Rank within the region (1 = first of its region)", "fr": "Rang dans la région (1 = première de sa région)"},
    "region_rank_class_1": {"en": "1st", "fr": "1re"},
    "region_rank_class_2": {"en": "2nd", "fr": "2e"},
    "region_rank_class_3": {"en": "3rd", "fr": "3e"},
    "region_rank_class_4": {"en": "4th or 5th", "fr": "4e ou 5e"},
    "region_rank_class_6": {"en": "6th or lower", "fr": "6e ou au-delà"},
    "osm_attribution": {"en": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
                        "fr": '&copy; les contributeurs d\'<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'},
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


#: Thousands separator and decimal mark of each language: French "1 504" (narrow no-break space,
#: U+202F) and "0,25"; English "1,504" and "0.25".
THOUSANDS = {"fr": "\u202f", "en": ","}
DECIMAL = {"fr": ",", "en": "."}


def has_language(text: str | Mapping[str, str] | None, language: str) -> bool:
    """Whether a config text is given in ``language``: a mapping with that key, or a plain text
    when the language is English (plain config texts are taken as English, as :func:`pick` falls back)."""
    if text is None:
        return True
    if isinstance(text, str):
        return language == "en"
    return bool(text.get(language))


def _localise(text: str, language: str) -> str:
    """Python's "1,504.25" written in the language's convention."""
    return text.replace(",", "\0").replace(".", DECIMAL.get(language, ".")).replace("\0", THOUSANDS.get(language, ","))


def number(value: float, language: str = "en", digits: int = 3) -> str:
    """A number for people: whole numbers and numbers of 1000 or more without decimals and with
    thousands separated; others with ``digits`` significant digits; separators and decimal mark
    in the language's convention (:data:`THOUSANDS`, :data:`DECIMAL`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if (v.is_integer() or abs(v) >= 1000) and abs(v) < 1e15:
        return _localise(f"{round(v):,}", language)
    return _localise(f"{v:.{digits}g}", language)


def fixed(value: float, language: str = "en", decimals: int = 1) -> str:
    """A number with a fixed count of decimals, in the language's convention ("97,7" / "97.7")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _localise(f"{float(value):,.{decimals}f}", language)


def percent(share: float, language: str = "en", decimals: int = 0) -> str:
    """A share (0–1) as a percentage: "30%" in English, "30 %" (narrow no-break space) in French."""
    text = fixed(100.0 * share, language, decimals)
    return text + ("\u202f%" if language == "fr" else "%")


def _with_de(phrase: str) -> str:
    """French "de" before a noun phrase, elided before a vowel or mute h ("d'incidents")."""
    return ("d'" if phrase[:1].lower() in "aeiouyhéèêàâîôû" else "de ") + phrase


def comparison(value: float, region_mean: float) -> int | None:
    """How a unit's value compares with its region's mean: 0 the same (to 1e-9 relative), 1 lower,
    2 higher; ``None`` when a value is missing. The map page writes its sentences from this code."""
    if value is None or region_mean is None or math.isnan(value) or math.isnan(region_mean):
        return None
    if math.isclose(value, region_mean, rel_tol=1e-9, abs_tol=1e-12):
        return 0
    return 1 if value < region_mean else 2


def sentences(
    value: float,
    region_mean: float,
    phrase: str,
    direction: str,
    language: str,
    *,
    grammatical: bool = True,
) -> tuple[str, bool] | None:
    """One sentence comparing a unit's value with its region's mean, and whether it is a strength.

    ``phrase`` is a noun phrase ("security incidents in 2017" / "incidents sécuritaires en 2017").
    With ``grammatical=False`` (the phrase is not written in ``language``, e.g. an English label on
    a French page) it is quoted as a label ("Security incidents, 2017 : 2, sous la moyenne de la
    région (16)") rather than woven into a sentence of the other language.
    Returns ``None`` when a value is missing.
    """
    kind = comparison(value, region_mean)
    if kind is None:
        return None
    if not grammatical:
        return _label_sentence(value, region_mean, phrase, direction, language, kind)
    if kind == 0:
        return t("same_as_region", language, phrase=phrase[:1].upper() + phrase[1:], value=number(value, language)), True
    lower = kind == 1
    word = t("fewer" if lower else "more", language)
    shown = _with_de(phrase) if language == "fr" else phrase
    text = t("sentence", language, word=word, phrase=shown, value=number(value, language), mean=number(region_mean, language, 2))
    strength = lower if direction == "cost" else not lower
    return text, strength


def _label_sentence(value: float, region_mean: float, label: str, direction: str, language: str, kind: int) -> tuple[str, bool]:
    """The comparison with the region's mean around a label quoted as given."""
    shown = number(value, language)
    if kind == 0:
        return t("same_label", language, label=label, value=shown), True
    lower = kind == 1
    side = t("below" if lower else "above", language)
    text = t("sentence_label", language, label=label, value=shown, side=side, mean=number(region_mean, language, 2))
    return text, (lower if direction == "cost" else not lower)


def largest_remainder(values: list[float], decimals: int = 1) -> list[float]:
    """Round ``values`` to ``decimals`` so that the rounded values add up to their rounded total
    (largest-remainder, or Hamilton, rounding): each value is cut down to the grid, then the units
    still missing from the rounded total go one each to the values with the largest remainders.
    ``nan`` values stay ``nan`` and count for nothing. E.g. 33.34 + 33.33 + 33.33 = 100.0 → 33.4,
    33.3, 33.3 (not three times 33.3 = 99.9)."""
    scale = 10 ** decimals
    known = [i for i, v in enumerate(values) if not math.isnan(v)]
    scaled = [values[i] * scale for i in known]
    target = round(float(f"{sum(values[i] for i in known):.{decimals}f}") * scale)
    cut = [math.floor(x) for x in scaled]
    order = sorted(range(len(known)), key=lambda j: (-(scaled[j] - cut[j]), j))
    missing = target - sum(cut)
    for j in order[:max(missing, 0)]:
        cut[j] += 1
    for j in list(reversed(order))[:max(-missing, 0)]:
        cut[j] -= 1
    out = [math.nan] * len(values)
    for j, i in enumerate(known):
        out[i] = cut[j] / scale
    return out
