"""ui/show.py answer_markdown: the answer in bold, its caveats plain, decimals and intervals never split."""

from ui.show import answer_markdown, split_first_sentence


def test_first_sentence_bold_and_caveats_plain():
    s = (
        "Across 12 wards, assaults were 22% fewer per 10 points (95% CI 12% to 32% fewer; p = 0.001). "
        "This is an association in observational data."
    )
    assert answer_markdown(s) == (
        "**Across 12 wards, assaults were 22% fewer per 10 points (95% CI 12% to 32% "
        "fewer; p = 0.001).** This is an association in observational data."
    )


def test_decimals_and_a_single_sentence_stay_whole():
    assert split_first_sentence("QPR-15 scores were 1.20 points higher (95% CI +0.52 to +1.88).") == (
        "QPR-15 scores were 1.20 points higher (95% CI +0.52 to +1.88).",
        "",
        "",
    )
    assert answer_markdown("No data.") == "**No data.**"


def test_an_interval_that_includes_no_change_stays_in_the_bold_answer():
    s = (
        "The rate was 3% lower once talking groups started (rate ratio 0.97, 95% CI 0.70 to 1.35). "
        "The interval includes no change, so this is not clear evidence either way. Wards chose when to start."
    )
    assert answer_markdown(s) == (
        "**The rate was 3% lower once talking groups started (rate ratio 0.97, 95% CI "
        "0.70 to 1.35). The interval includes no change, so this is not clear evidence "
        "either way.** Wards chose when to start."
    )


def test_a_download_is_prepared_under_the_rule_before_its_counts_are_protected():
    import pandas as pd

    from analysis.disclosure.rules import rule_from_name
    from ui.show import csv_bytes

    rule = rule_from_name("scotland")
    seen = []

    def prepare(df, r):
        seen.append(r.name)
        return df.assign(average=rule.symbol)

    table = pd.DataFrame({"ward_id": ["W1", "W2"], "latest_count": [2, 30], "average": [4.5, 6.0]})
    body = csv_bytes(table, ["latest_count"], None, rule, {}, prepare=prepare).decode()
    assert seen == ["scotland"]
    assert "4.5" not in body and "6.0" not in body  # prepared
    assert "\nW1,*," in body  # then protected: 2 is hidden
