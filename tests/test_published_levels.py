"""Published tables holding several admin levels: only the admin-2 rows are read."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from nexus_zones import pipeline, schemas
from nexus_zones.config import config_from_mapping

from .conftest import REPO, require_real_data
from .test_schemas import _dtm_cercles, dtm_v3


def test_dtm_v3_export_of_two_levels_reads_the_admin2_rows_only(tmp_path: Path) -> None:
    # a DTM API v3 export asked for admin 1 and admin 2 at once: the admin-1 rows (adminLevel 1, no
    # admin2Pcode) carry each region's total; summed in, they would count every IDP twice
    real = require_real_data()
    admin2 = dtm_v3(real)
    admin1 = (admin2.groupby(["admin1Name", "admin1Pcode", "reportingDate", "roundNumber"], as_index=False)["numPresentIdpInd"].sum()
              .assign(admin0Name="Mali", admin0Pcode="MLI", admin2Name="", admin2Pcode="", adminLevel=1))
    path = tmp_path / "dtm_api_v3_mli_admin1_admin2.csv"
    pd.concat([admin1, admin2], ignore_index=True)[admin2.columns].astype(object).fillna("").to_csv(path, index=False)
    assert schemas.SHAPES["dtm_v3"].where == {"adminLevel": [2]}
    cfg = {"study": {"name": "d", "title": "d", "boundaries": {"path": str(real / "mali_admin_boundaries_ocha_cod_2015.gpkg"), "layer": "adm2_cercles", "level": 2}},
           "layers": {"dtm": {"kind": "table", "path": str(path), "absent_units": "zero"}},
           "indicators": {"idps": {"measure": "dtm.idps", "direction": "cost", "weight": 1}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.compute(config_from_mapping(cfg))
    d = _dtm_cercles(real)
    expected = d[d["snapshot_date"] == d["snapshot_date"].max()].groupby("cod2015_adm2_pcode")["idp_ind"].sum().reindex(result.measures.index, fill_value=0)
    assert result.measures["dtm.idps"].to_dict() == expected.astype(float).to_dict()
    assert result.measures["dtm.idps"].sum() == admin1[admin1["reportingDate"] == admin1["reportingDate"].max()]["numPresentIdpInd"].sum()
