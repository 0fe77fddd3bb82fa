"""The message catalogue: every word the map and the brief show, in French and English.

:func:`t` returns a message by key in a language, formatted with keyword arguments; :func:`pick`
chooses a config text that may be given per language (``{fr: ..., en: ...}``). Sentences about a unit
or the ranking are claims (:mod:`nexus_zones.claims`): their templates are here, their conditions there.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping

__all__ = ["LANGUAGES", "CATALOGUE", "t", "pick", "has_language", "number", "fixed", "percent", "share_text", "ordinal", "THOUSANDS", "DECIMAL"]

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
    "robustness_view": {"en": "Robustness (share of weightings tried that put the unit {first})", "fr": "Robustesse (part des pondérations essayées qui placent l'unité {first})"},
    "robustness_legend": {"en": "Share of {draws} weightings tried that put the unit {first}",
                          "fr": "Part des {draws} pondérations essayées qui placent l'unité {first}"},
    "robust_def": {"en": "“Whatever the weights tried” means in every one (or in none) of the {draws} weightings tried around the config's weights.",
                   "fr": "« Quels que soient les poids essayés » : dans chacune (ou dans aucune) des {draws} pondérations essayées autour des poids de la configuration."},
    "similarity_view": {"en": "Units like {ref}", "fr": "Unités comparables à {ref}"},
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
    "browser_too_old": {"en": "This map's data come compressed, and this browser cannot open them: use a browser of 2023 or later (Chrome, Edge, Firefox 113, Safari 16.4).",
                        "fr": "Les données de cette carte sont compressées et ce navigateur ne sait pas les ouvrir : utilisez un navigateur de 2023 ou plus récent (Chrome, Edge, Firefox 113, Safari 16.4)."},
    "tiles": {"en": "OpenStreetMap (online only)", "fr": "OpenStreetMap (en ligne seulement)"},
    "outlines": {"en": "Region outlines and names", "fr": "Limites et noms des régions"},
    "top_k": {"en": "Outlined: {first}", "fr": "Entourées : {first}"},
    "rule_ok": {"en": "✔ {rule}", "fr": "✔ {rule}"},
    "rule_ko": {"en": "✘ {rule}", "fr": "✘ {rule}"},
    "why": {"en": "Why this unit?", "fr": "Pourquoi cette unité ?"},
    "pin": {"en": "Keep in the side panel", "fr": "Garder dans le panneau latéral"},
    "weights_panel": {"en": "Weights (try other priorities)", "fr": "Poids (essayer d'autres priorités)"},
    "reset": {"en": "Reset to the config's weights", "fr": "Revenir aux poids de la configuration"},
    "copy_yaml": {"en": "Copy as YAML", "fr": "Copier en YAML"},
    "copied": {
        "en": "Copied. Paste it at the end of the config, as it is (replace a weights: block already there).",
        "fr": "Copié. À coller tel quel à la fin de la configuration (à la place d'un bloc weights: déjà présent).",
    },
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
    "rank_band_head": {"en": "Rank band", "fr": "Fourchette de rangs"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "map": {"en": "Map", "fr": "Carte"},
    "failed_rules": {"en": "Rules failed", "fr": "Règles non respectées"},
    # issue 14: from a ranking to a defensible choice
    "scope_region": {"en": "in its region", "fr": "de sa région"},
    "scope_national": {"en": "nationally", "fr": "au niveau national"},
    "change_first": {"en": "the weight of “{label}” goes from {a} to {b}", "fr": "le poids de « {label} » passe de {a} à {b}"},
    "change_more": {"en": "that of “{label}” from {a} to {b}", "fr": "celui de « {label} » de {a} à {b}"},
    "and": {"en": " and ", "fr": " et "},
    "choice_tail": {"en": " (weight moved: {moved}; 1st under {share} of all weightings)", "fr": " (poids déplacé : {moved} ; 1er pour {share} de toutes les pondérations)"},
    "choices": {"en": "The weights behind a choice", "fr": "Les poids derrière un choix"},
    "choices_method": {"en": "Closest weights in L1 distance on the simplex of the weighted indicators ({method}); shares from {draws} uniform weightings (seed {seed}).",
                       "fr": "Poids les plus proches en distance L1 sur le simplexe des indicateurs pondérés ({method}) ; parts sur {draws} pondérations uniformes (graine {seed})."},
    "pilots": {"en": "A set of pilots", "fr": "Un ensemble de pilotes"},
    "pilots_view": {"en": "Pilot set (integer programme)", "fr": "Ensemble de pilotes (programme en nombres entiers)"},
    "pilot_best": {"en": "chosen set", "fr": "ensemble retenu"},
    "pilot_alt": {"en": "in a next-best set", "fr": "dans un ensemble suivant"},
    "pilot_none": {"en": "not in these sets", "fr": "hors de ces ensembles"},
    "pilots_best": {"en": "Best set of {k}: {names} (total {objective})", "fr": "Meilleur ensemble de {k} : {names} (total {objective})"},
    "pilots_next": {"en": "Next best set ({n}): {names}, a total {gap} lower ({added} instead of {removed})", "fr": "Ensemble suivant ({n}) : {names}, un total plus bas de {gap} ({added} au lieu de {removed})"},
    "pilots_binding": {"en": "Constraints that bind (dropping one gives a better set): {names}", "fr": "Contraintes qui lient (en retirer une donne un meilleur ensemble) : {names}"},
    "pilots_none": {"en": "No set satisfies the constraints.", "fr": "Aucun ensemble ne respecte les contraintes."},
    "pilot_member": {"en": "In the chosen set of pilots", "fr": "Dans l'ensemble de pilotes retenu"},
    "stakeholders": {"en": "Several stakeholders", "fr": "Plusieurs parties prenantes"},
    "agreement_view": {"en": "Agreement (weight sets that put the unit {first})", "fr": "Accord (jeux de poids qui placent l'unité {first})"},
    "agreement_legend": {"en": "Weight sets ({sets}) that put the unit {first}", "fr": "Jeux de poids ({sets}) qui placent l'unité {first}"},
    "agreement_all": {"en": "Units {first} for every weight set ({sets}): {names}", "fr": "Unités {first} pour chaque jeu de poids ({sets}) : {names}"},
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
    "entering_top": {"en": "Now {first}: {units}", "fr": "Désormais {first} : {units}"},
    "leaving_top": {"en": "No longer {first}: {units}", "fr": "Plus {first} : {units}"},
    "no_unit": {"en": "none", "fr": "aucun"},
    "trajectories_title": {"en": "Trajectories of the units {first} in {b}", "fr": "Trajectoires des unités {first} en {b}"},
})


#: The claims of :mod:`nexus_zones.claims`: each key is a kind registered there with the condition
#: that makes it true; the fields are written by the claim's formats (``first``: "1st" or "among the
#: first k"; ``ord``: 1st; ``pct``: a share never rounded to 0 % or 100 %).
CATALOGUE.update({
    "first_one": {"en": "1st", "fr": "au 1er rang"},
    "first_k": {"en": "among the first {k}", "fr": "parmi les {k} premiers"},
    "robust_in": {"en": "Whatever the weights tried: {first}", "fr": "Quels que soient les poids essayés : {first}"},
    "robust_out": {"en": "Whatever the weights tried: not {first}", "fr": "Quels que soient les poids essayés : pas {first}"},
    "robust_depends": {"en": "Depends on the weights: {first} under {share} of the weightings tried",
                       "fr": "Dépend des poids : {first} pour {share} des pondérations essayées"},
    "rules_in": {"en": "The rules decide: {first}, whatever the weights", "fr": "Les règles décident : {first}, quels que soient les poids"},
    "rules_out": {"en": "The rules decide: not {first}, whatever the weights", "fr": "Les règles décident : pas {first}, quels que soient les poids"},
    "robust_in_short": {"en": "yes, whatever the weights", "fr": "oui, quels que soient les poids"},
    "robust_out_short": {"en": "no, whatever the weights", "fr": "non, quels que soient les poids"},
    "robust_depends_short": {"en": "depends on the weights ({share})", "fr": "selon les poids ({share})"},
    "rules_in_short": {"en": "yes, by the rules", "fr": "oui, par les règles"},
    "rules_out_short": {"en": "no, by the rules", "fr": "non, par les règles"},
    "robust_head": {"en": "Ranked {first}?", "fr": "{first} ?"},
    "rules_order": {"en": "The rules alone decide the order: each unit fails a different number of rules ({counts}), so no weighting can change the ranking.",
                    "fr": "Les règles seules décident de l'ordre : chaque unité enfreint un nombre différent de règles ({counts}), donc aucune pondération ne peut changer le classement."},
    "rules_top": {"en": "The rules alone decide who is {first} ({names}): every other unit fails more rules, so no weighting can change it; the weights only order units that fail as many rules.",
                  "fr": "Les règles seules décident qui est {first} ({names}) : toute autre unité enfreint plus de règles, donc aucune pondération ne peut le changer ; les poids ne départagent que les unités qui enfreignent autant de règles."},
    "why_good": {"en": "{ind}: {value}, {points} of {max} points (scale from {worst}, worst, to {best}, best)",
                 "fr": "{ind} : {value}, soit {points} points sur {max} (échelle de {worst}, le pire, à {best}, le mieux)"},
    "why_bad": {"en": "{ind}: {value}, only {points} of {max} points (scale from {worst}, worst, to {best}, best)",
                "fr": "{ind} : {value}, seulement {points} points sur {max} (échelle de {worst}, le pire, à {best}, le mieux)"},
    "why_good_region": {"en": "{ind}: {value}, {points} of {max} points (scale from {worst}, worst, to {best}, best); better than the average of the region's other units ({mean})",
                        "fr": "{ind} : {value}, soit {points} points sur {max} (échelle de {worst}, le pire, à {best}, le mieux) ; mieux que la moyenne des autres unités de la région ({mean})"},
    "why_bad_region": {"en": "{ind}: {value}, only {points} of {max} points (scale from {worst}, worst, to {best}, best); worse than the average of the region's other units ({mean})",
                       "fr": "{ind} : {value}, seulement {points} points sur {max} (échelle de {worst}, le pire, à {best}, le mieux) ; moins bien que la moyenne des autres unités de la région ({mean})"},
    "change_weight": {"en": "“{ind}” counted for {b} instead of {a}", "fr": "« {ind} » comptait pour {b} au lieu de {a}"},
    "choice_found": {"en": "{name} would be 1st {scope} if {changes}", "fr": "{name} serait 1er {scope} si {changes}"},
    "choice_found_share": {"en": "{name} would be 1st {scope} if {changes} (it is 1st under {share} of {draws} random weightings)",
                           "fr": "{name} serait 1er {scope} si {changes} (1er pour {share} de {draws} pondérations tirées au hasard)"},
    "choice_always": {"en": "{name} is 1st {scope} under every one of {draws} random weightings",
                      "fr": "{name} est 1er {scope} pour chacune de {draws} pondérations tirées au hasard"},
    "choice_already": {"en": "{name} is 1st {scope} with the config's weights, and under {share} of {draws} random weightings",
                       "fr": "{name} est 1er {scope} avec les poids de la configuration, et pour {share} de {draws} pondérations tirées au hasard"},
    "choice_blocked": {"en": "No weighting can make {name} 1st {scope}: units that fail fewer rules stay ahead of it",
                       "fr": "Aucune pondération ne peut placer {name} 1er {scope} : des unités qui enfreignent moins de règles restent devant"},
    "choice_impossible": {"en": "No weighting of the indicators makes {name} 1st {scope}", "fr": "Aucune pondération des indicateurs ne place {name} 1er {scope}"},
    "choice_not_found": {"en": "No weighting found among {draws} tried makes {name} 1st {scope} (a search, not a proof that none exists)",
                         "fr": "Aucune pondération trouvée parmi {draws} essayées ne place {name} 1er {scope} (une recherche, pas la preuve qu'il n'en existe aucune)"},
    "agreement_every": {"en": "{first} for every one of the {m} weight sets", "fr": "{first} pour chacun des {m} jeux de poids"},
    "agreement_some": {"en": "{first} for {n} of the {m} weight sets", "fr": "{first} pour {n} des {m} jeux de poids"},
    "agreement_none": {"en": "None of the {m} weight sets puts it {first}", "fr": "Aucun des {m} jeux de poids ne la place {first}"},
    "objective_score": {"en": "total score", "fr": "score total"},
    "objective_robust": {"en": "robust total: each score times its share of weightings among the first k", "fr": "total robuste : chaque score multiplié par sa part de pondérations parmi les k premiers"},
    "pilots_chosen": {"en": "Suggested pilots: {names} ({objective}, {total}); with {constraints}, no other set does better",
                      "fr": "Pilotes proposés : {names} ({objective}, {total}) ; avec {constraints}, aucun autre ensemble ne fait mieux"},
    "pilots_chosen_free": {"en": "Suggested pilots: {names} ({objective}, {total}); no other set does better",
                           "fr": "Pilotes proposés : {names} ({objective}, {total}) ; aucun autre ensemble ne fait mieux"},
    "pilots_bind": {"en": "These constraints lower the total: {constraints}", "fr": "Ces contraintes abaissent le total : {constraints}"},
    "c_only_passing": {"en": "only units that pass every rule", "fr": "seulement des unités qui respectent toutes les règles"},
    "c_region_min": {"en": "at least {x} in every region that has a candidate", "fr": "au moins {x} dans chaque région qui a un candidat"},
    "c_region_max": {"en": "at most {x} per region", "fr": "au plus {x} par région"},
    "c_min_distance": {"en": "pilots at least {x} km apart", "fr": "des pilotes à au moins {x} km les uns des autres"},
    "c_budget": {"en": "a total cost of at most {x}", "fr": "un coût total d'au plus {x}"},
    "data_band_one": {"en": "With the data perturbed within their margins of error, it ranks {rank} in 90% of {draws} draws",
                      "fr": "Avec les données perturbées dans leurs marges d'erreur, son rang est le {rank} dans 90\u202f% de {draws} tirages"},
    "data_band_range": {"en": "With the data perturbed within their margins of error, its rank lies between {lo} and {hi} in 90% of {draws} draws",
                        "fr": "Avec les données perturbées dans leurs marges d'erreur, son rang est entre {lo} et {hi} dans 90\u202f% de {draws} tirages"},
    "share_imprecise": {"en": "The imprecise locations of “{what}” account for about {share} of how much ranks move when the data are perturbed",
                        "fr": "Les localisations imprécises de « {what} » expliquent environ {share} des mouvements de rangs quand les données sont perturbées"},
    "share_margins": {"en": "The margins of error of {what} account for about {share} of how much ranks move when the data are perturbed",
                      "fr": "Les marges d'erreur de {what} expliquent environ {share} des mouvements de rangs quand les données sont perturbées"},
    "share_imputation": {"en": "The way missing values are filled accounts for about {share} of how much ranks move when the data are perturbed",
                         "fr": "La façon de compléter les valeurs manquantes explique environ {share} des mouvements de rangs quand les données sont perturbées"},
    "share_sources": {"en": "Which source each indicator reads accounts for about {share} of how much ranks move when the data are perturbed",
                      "fr": "La source lue pour chaque indicateur explique environ {share} des mouvements de rangs quand les données sont perturbées"},
    "share_interaction": {"en": "These sources together, beyond each alone, account for about {share} of how much ranks move",
                          "fr": "Ces sources ensemble, au-delà de chacune seule, expliquent environ {share} des mouvements de rangs"},
    "low_no_events": {"en": "No event recorded here in {period} ({layer}): this may reflect little reporting rather than calm",
                      "fr": "Aucun événement enregistré ici en {period} ({layer}) : cela peut traduire peu de signalements plutôt que le calme"},
    "low_imprecise": {"en": "{n} of the {of} events recorded here ({layer}) are located only to the region: the count may reflect how events are reported rather than where they happen",
                      "fr": "{n} des {of} événements enregistrés ici ({layer}) ne sont localisés qu'à la région : le compte peut refléter la façon dont ils sont signalés plutôt que leur lieu"},
    "source_value": {"en": "{source} ({value})", "fr": "{source} ({value})"},
    "source_no_value": {"en": "{source} (no data)", "fr": "{source} (sans donnée)"},
    "source_rule": {"en": "{unit} passes “{rule}” with {passes}, fails with {fails}",
                    "fr": "{unit} respecte « {rule} » selon {passes}, pas selon {fails}"},
    "source_top": {"en": "At the config's weights, {unit} is {first} with {ins}, not with {outs}",
                   "fr": "Aux poids de la configuration, {unit} est {first} selon {ins}, pas selon {outs}"},
    "sources_same": {"en": "With {sources} alike, every unit passes the same rules and the units {first} are the same",
                     "fr": "Avec {sources} indifféremment, chaque unité respecte les mêmes règles et les unités {first} sont les mêmes"},
    "sources_view": {"en": "Sources agree", "fr": "Accord des sources"},
    "sources_legend": {"en": "Does the choice depend on the source ({sources})?", "fr": "Le choix dépend-il de la source ({sources}) ?"},
    "sources_agree_item": {"en": "the same rules passed and place {first} with every source", "fr": "mêmes règles respectées et même place {first} avec chaque source"},
    "sources_rules_item": {"en": "a rule passed with one source, failed with another", "fr": "une règle respectée selon une source, pas selon une autre"},
    "sources_top_item": {"en": "{first} with one source, not another (at the config's weights)", "fr": "{first} selon une source, pas selon une autre (aux poids de la configuration)"},
    "sources_title": {"en": "Two sources, one judgement", "fr": "Deux sources, un jugement"},
    "more_details": {"en": "Details", "fr": "Détails"},
    "rules_failed_n": {"en": "Rules failed", "fr": "Règles non respectées"},
    "which_rules": {"en": "Which rules", "fr": "Lesquelles"},
    "agg_arithmetic": {"en": "weighted mean", "fr": "moyenne pondérée"},
    "agg_geometric": {"en": "weighted geometric mean: a weakness is not fully made up by a strength", "fr": "moyenne géométrique pondérée : une faiblesse n'est pas entièrement compensée par une force"},
    "agg_topsis": {"en": "TOPSIS: closeness to the best and distance from the worst", "fr": "TOPSIS : proximité du meilleur et éloignement du pire"},
    "agg_reversed_geometric": {"en": "reversed geometric mean (INFORM): a high value is not fully made up by a low one", "fr": "moyenne géométrique inversée (INFORM) : une valeur haute n'est pas entièrement compensée par une basse"},
    "agg_max": {"en": "the largest of its children, each times its factor", "fr": "le plus grand de ses enfants, chacun multiplié par son facteur"},
    "agg_min": {"en": "the smallest of its children, each times its factor", "fr": "le plus petit de ses enfants, chacun multiplié par son facteur"},
    "node_view": {"en": "{label} (node)", "fr": "{label} (nœud)"},
    "node_legend": {"en": "{label}: node score, 0–100 ({rule}), at the sliders' weights", "fr": "{label} : score du nœud, 0–100 ({rule}), aux poids des curseurs"},
    "path_title": {"en": "From the score to the indicators (0–100; points: the weight on the path × the value, at the sliders' weights)",
                   "fr": "Du score aux indicateurs (0–100 ; points : le poids sur le chemin × la valeur, aux poids des curseurs)"},
    "path_item": {"en": "{label}: {value} · {points} points", "fr": "{label} : {value} · {points} points"},
    "tree_title": {"en": "The model tree", "fr": "L'arbre du modèle"},
    "tree_rule": {"en": "rule: {rule}", "fr": "règle : {rule}"},
    "tree_offset": {"en": "offset {offset}", "fr": "décalage {offset}"},
    "tree_renormalise": {"en": "a child without a value: the weights are rescaled over the children present", "fr": "un enfant sans valeur : les poids sont répartis sur les enfants présents"},
    "tree_weight": {"en": "weight {weight} of its node", "fr": "poids {weight} de son nœud"},
    "tree_factor": {"en": "factor {factor}", "fr": "facteur {factor}"},
    "norm_minmax": {"en": "from the lowest to the highest value", "fr": "de la plus basse à la plus haute valeur"},
    "norm_goalposts": {"en": "between fixed bounds", "fr": "entre des bornes fixes"},
    "norm_rank": {"en": "by rank", "fr": "par rang"},
    "norm_zscore": {"en": "by distance from the mean (in standard deviations)", "fr": "par écart à la moyenne (en écarts types)"},
    "norm_threshold": {"en": "by a threshold curve", "fr": "par une courbe de seuils"},
    "norm_inform": {"en": "INFORM's 0–10 scale between fixed bounds", "fr": "échelle 0–10 d'INFORM entre des bornes fixes"},
    "rank_band": {"en": "Rank band at the config's weights: {lo}–{hi} (90% of {draws} weightings tried around them)",
                  "fr": "Fourchette de rangs aux poids de la configuration : {lo}–{hi} (90\u202f% de {draws} pondérations essayées autour d'eux)"},
    "rank_band_one": {"en": "Rank band at the config's weights: {rank} (90% of {draws} weightings tried around them)",
                      "fr": "Fourchette de rangs aux poids de la configuration : {rank} (90\u202f% de {draws} pondérations essayées autour d'eux)"},
    "passes_every_rule": {"en": "Passes every rule", "fr": "Respecte toutes les règles"},
    "fails_rules": {"en": "Fails: {rules}", "fr": "Ne respecte pas : {rules}"},
})


def t(key: str, language: str = "en", **values: Any) -> str:
    """The message ``key`` in ``language``, formatted with ``values``."""
    entry = CATALOGUE[key]
    text = entry.get(language) or entry["en"]
    if "k" in values and "first" not in values and "{first}" in text:
        values["first"] = first_words(values["k"], language)
    return text.format(**values) if values else text


def first_words(k: Any, language: str = "en") -> str:
    """"1st" for k = 1, else "among the first k" (French "au 1er rang", "parmi les 5 premiers")."""
    return t("first_one", language) if str(k) == "1" else t("first_k", language, k=k)


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
    exponent = int(f"{abs(v):.{max(digits, 1) - 1}e}".split("e")[1])
    if exponent >= digits:          # 770 to 2 digits: "770", never "7.7e+02"
        return _localise(f"{round(v):,}", language)
    if exponent < -4:               # 0.000012 to 3 digits: "0.000012", never "1.2e-05"
        return _localise(f"{v:.{digits - 1 - exponent}f}".rstrip("0").rstrip("."), language)
    return _localise(f"{v:.{digits}g}", language)


def share_text(share: float, language: str = "en") -> str:
    """A share as a percentage with the fewest decimals (0 to 6) that neither reads 0 % nor 100 %
    unless it is exactly 0 or 1: 0.9996 is "99.96%", never "100%"."""
    for decimals in range(7):
        shown = float(fixed(100.0 * share, "en", decimals).replace(",", ""))
        if not 0.0 < share < 1.0 or 0.0 < shown < 100.0:
            return percent(share, language, decimals)
    return percent(share, language, 6)


def ordinal(n: int, language: str = "en") -> str:
    """An ordinal rank: 1st, 2nd, 3rd, 4th, 11th, 21st; in French 1er, 2e."""
    if language == "fr":
        return f"{n}er" if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fixed(value: float, language: str = "en", decimals: int = 1) -> str:
    """A number with a fixed count of decimals, in the language's convention ("97,7" / "97.7")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _localise(f"{float(value):,.{decimals}f}", language)


def percent(share: float, language: str = "en", decimals: int = 0) -> str:
    """A share (0–1) as a percentage: "30%" in English, "30 %" (narrow no-break space) in French."""
    text = fixed(100.0 * share, language, decimals)
    return text + ("\u202f%" if language == "fr" else "%")


# log and CLI (issue 18.6)
CATALOGUE.update({
    "cli_scored_one": {"en": "1 unit scored", "fr": "1 unité notée"},
    "cli_scored_many": {"en": "{n} units scored", "fr": "{n} unités notées"},
    "cli_top": {"en": "{scored}; top: {top}", "fr": "{scored} ; en tête : {top}"},
    "cli_none_ranked": {"en": "{scored}; none ranked", "fr": "{scored} ; aucune classée"},
    "cli_top_unit": {"en": "{rank}. {name} ({score})", "fr": "{rank}. {name} ({score})"},
    "cli_top_unit_rules": {"en": "{rank}. {name} ({score}, {rules})", "fr": "{rank}. {name} ({score} ; {rules})"},
    "cli_fails_one": {"en": "fails 1 rule", "fr": "ne respecte pas 1 règle"},
    "cli_fails_many": {"en": "fails {n} rules", "fr": "ne respecte pas {n} règles"},
})
