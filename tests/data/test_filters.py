import pandas as pd

from analysis.data.filters import Filters


def _tables():
    wards = pd.DataFrame(
        {
            "ward_id": ["A", "B", "C"],
            "service": ["admission", "rehabilitation", "admission"],
            "security_level": ["high", "high", "medium"],
        }
    )
    months = pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01"])
    wm = pd.DataFrame({"ward_id": [w for w in "ABC" for _ in months], "month": list(months) * 3})
    events = pd.DataFrame(
        {
            "ward_id": ["A", None, "B"],
            "date": pd.to_datetime(["2024-04-15", "2024-04-20", "2024-04-02"]),
            "kind": ["note"] * 3,
            "label": ["a", "all", "b"],
        }
    )
    return {"wards": wards, "ward_months": wm, "events": events}


def test_no_filter_keeps_everything():
    t = Filters().apply(_tables())
    assert len(t["ward_months"]) == 9 and len(t["events"]) == 3


def test_service_security_and_period_combine():
    f = Filters(services=("admission",), security_levels=("high",), start=pd.Timestamp("2024-04-01"))
    t = f.apply(_tables())
    assert set(t["ward_months"]["ward_id"]) == {"A"}
    assert list(t["ward_months"]["month"].dt.month) == [4, 5]
    assert list(t["events"]["label"]) == ["a", "all"]  # hospital-wide events stay


def test_date_within_end_month_is_kept():
    t = Filters(end=pd.Timestamp("2024-04-01")).apply(_tables())
    assert set(t["events"]["label"]) == {"a", "all", "b"}
    assert t["ward_months"]["month"].max() == pd.Timestamp("2024-04-01")


def test_round_trip_through_dict_and_words():
    f = Filters(wards=("A", "B"), start=pd.Timestamp("2022-04-01"), end=pd.Timestamp("2023-03-01"))
    assert Filters.from_dict(f.to_dict()) == f
    assert f.describe() == "wards A, B; Apr 2022 to Mar 2023"
    assert Filters().describe() == "all wards, all months"


def test_events_before_the_period_are_kept_as_they_still_apply():
    t = Filters(start=pd.Timestamp("2024-05-01")).apply(_tables())
    assert set(t["events"]["label"]) == {"a", "all", "b"}
    assert t["ward_months"]["month"].min() == pd.Timestamp("2024-05-01")


def test_picks_wards_and_narrows_say_which_filters_are_set():
    import pandas as pd

    from analysis.data.filters import Filters

    assert not Filters().picks_wards and not Filters().narrows
    assert Filters(services=("admission",)).picks_wards and Filters(services=("admission",)).narrows
    later = Filters(start=pd.Timestamp("2024-04-01"))
    assert later.narrows and not later.picks_wards
