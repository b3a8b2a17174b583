"""`python -m analysis fit` writes what the Model builder's download writes: no per-ward or per-month rows
(observed counts, residuals) unless --internal-unprotected, which stamps the file as unprotected (issue 16)."""

from __future__ import annotations

import json

import pytest

from analysis.cli.main import main
from analysis.disclosure.rules import RULES
from tests.app.test_disclosure_everywhere import json_problems, keys


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """q2 (a count model with residuals by ward and by month) written three ways."""
    out = tmp_path_factory.mktemp("fit")
    files = {}
    for name, extra in (
        ("default", []),
        ("scotland", ["--rule", "scotland"]),
        ("unprotected", ["--internal-unprotected"]),
    ):
        path = out / f"{name}.json"
        assert main(["fit", "q2", "--out", str(path), *extra]) == 0
        files[name] = path.read_bytes()
    return files


@pytest.mark.parametrize("name,rule", [("default", "nhs_england"), ("scotland", "scotland")])
def test_fit_out_holds_no_row_of_a_ward_or_a_month(written, name, rule):
    data = written[name]
    assert json_problems(data, RULES[rule]) == []
    doc = json.loads(data)
    (result,) = doc["results"]
    assert not {"residuals_by_ward", "residuals_by_month"} & set(result["diagnostics"])
    assert {"observed", "ward_id", "month"}.isdisjoint(keys(result))
    assert set(doc["withheld"]) == {"assaults_on_staff: residuals_by_ward", "assaults_on_staff: residuals_by_month"}
    assert doc["about"]["Disclosure control"] == RULES[rule].description
    assert result["estimates"] and result["headline"]["estimate"] is not None


def test_internal_unprotected_keeps_every_diagnostic_and_says_so(written):
    doc = json.loads(written["unprotected"])
    (result,) = doc["results"]
    by_ward = result["diagnostics"]["residuals_by_ward"]
    assert len(by_ward) == 12 and all("observed" in row for row in by_ward)
    assert doc["about"]["Protection"].startswith("UNPROTECTED")
    assert doc["about"]["Disclosure control"].startswith("None applied")
    assert json_problems(written["unprotected"], RULES["nhs_england"])  # the sweep sees the raw counts


def test_the_same_estimates_whichever_way(written):
    a, b = (json.loads(written[n])["results"][0]["estimates"] for n in ("default", "unprotected"))
    assert a == b


def test_printed_results_are_protected_too(capsys):
    assert main(["fit", "q2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "residuals_by_ward" not in doc["results"][0]["diagnostics"] and doc["withheld"]


def test_an_unknown_rule_is_refused_before_any_fitting(tmp_path, capsys):
    assert main(["fit", "q2", "--rule", "wales", "--out", str(tmp_path / "x.json")]) == 2
    assert "Unknown disclosure rule 'wales'" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


# ---------------------------------------------------------------- the talking-group session log (issue 14)
def test_a_spec_with_a_session_log_predictor_fits_and_without_the_log_is_refused_in_words(tmp_path, capsys):
    import shutil
    from pathlib import Path

    from analysis.questions import specs

    spec = tmp_path / "model_spec.json"
    spec.write_text(specs.to_json({"question": "q2", "predictor": "tg_patient_attendances", "lag": 1}), "utf-8")
    out = tmp_path / "with_log.json"
    assert main(["fit", "--spec", str(spec), "--out", str(out)]) == 0
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert result["predictor"] == "tg_patient_attendances"
    assert "tg_patient_attendances_lag1_within" in [row["term"] for row in result["estimates"]]
    assert "per 10 more attendances" in result["sentence"]
    capsys.readouterr()

    folder = tmp_path / "no_log"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "sample", folder)
    (folder / "talking_group_sessions.csv").unlink()
    assert main(["fit", "--spec", str(spec), "--data", str(folder), "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Model spec problem: predictor: Patient attendances at talking groups")
    assert "talking_group_sessions table), which is not in this data" in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()
    # the same through the options, without a spec file
    assert main(["fit", "q2", "--predictor", "tg_share_resolved", "--data", str(folder)]) == 2
    assert "a talking-group session log" in capsys.readouterr().err
