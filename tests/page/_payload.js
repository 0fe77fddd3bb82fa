// A small hand-made payload shared by the store's and the renders' tests (not a test file itself).
"use strict";

// three units, two indicators, one rule under rules first; names with markup
function payload() {
  const nf = {thousands: ",", decimal: "."};
  return {
    language: "en", number_format: nf, aggregation: "arithmetic", pillars: [], geometric_floor: 0.01, tie_tolerance: 1e-9, failing_units: "last",
    indicators: [{id: "a", label: "A", weight: 3, max: 10}, {id: "b", label: "B <i>", weight: 1, max: 10}],
    rules: 1, rules_k: 1, views: [{id: "score", label: "Score", legend: "<b>score</b>"}, {id: "i_a", label: "A", legend: {pre: "<i>A (weight ", k: 0, post: ")</i>"}}],
    text: {rank: "Rank", name: "Name", region: "Region", rules_failed: "Rules failed", score: "Score", not_ranked: "not ranked", pin: "Pin", unit: "Unit",
           score_short: "Score", region_rank: "Region rank", score_line: "Score {score} · rank {rank} of {ranked} · {region_rank} in region"},
    units: {id: ["U1", "U2", "U3"], name: ["<b>One</b>", "Two", "Three"], regions: ["North & co", "South"], region: [0, 0, 1],
            config_rank: [1, 2, 3], eligible: [true, true, true], failed: [0, 1, 2], norm: [[1, 0], [0.5, 0.5], [0, 1]], popup: [{v: [1, 2]}, {v: [3, 4]}, {v: [5, 6]}]},
    popup: {t: {}, ind: [{label: "A", about: "", lo: 0, hi: 1}, {label: "B <i>", about: "", lo: 0, hi: 1}], rules: ["r"], eff: [0.75, 0.25], ref: "", number_format: nf,
            claims: {lang: "en", s: {rules_order: "the rules alone decide the order ({counts})", and: " and ", first_one: "first", first_k: "among the first {k}"},
                     f: {rules_order: [["n", "int"], ["counts", "names"]]}}},
  };
}

module.exports = {payload};
