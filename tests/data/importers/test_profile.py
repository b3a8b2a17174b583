"""Mapping profiles: JSON round trip, versions, which rule wins, the shipped starter profiles."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from analysis.data.importers import (
    MEASURES,
    CategoryRule,
    MappingProfile,
    ProfileError,
    load_profile,
    starter_profile,
    starter_profiles,
)
from analysis.data.importers.profile import FORMAT_VERSION

from .helpers import PROFILE


def test_json_round_trip_and_fingerprint():
    again = MappingProfile.from_json(PROFILE.to_json())
    assert again == PROFILE
    assert again.fingerprint() == PROFILE.fingerprint()
    assert replace(PROFILE, revision=7, name="x").fingerprint() == PROFILE.fingerprint()  # content, not name
    assert PROFILE.with_locations({"Skye garden": "W02"}).fingerprint() != PROFILE.fingerprint()
    data = json.loads(PROFILE.to_json())
    assert data["format_version"] == FORMAT_VERSION and data["format"] == "coproduction-listing-profile"


def test_a_newer_format_and_unknown_measures_are_refused_in_words():
    data = PROFILE.to_dict()
    with pytest.raises(ProfileError, match="newer version"):
        MappingProfile.from_dict({**data, "format_version": FORMAT_VERSION + 1})
    bad = {**data, "categories": [{"category": "Violence", "measure": "punches"}]}
    with pytest.raises(ProfileError, match="does not know: punches"):
        MappingProfile.from_dict(bad)
    with pytest.raises(ProfileError, match="roles the dashboard does not know: colour"):
        MappingProfile.from_dict({**data, "columns": {"colour": "Colour"}})
    with pytest.raises(ProfileError, match="not valid JSON"):
        MappingProfile.from_json("{")


def test_exact_rules_win_over_wildcards_and_labels_match_loosely():
    p = MappingProfile(
        categories=(
            CategoryRule(category="Violence", measure=""),
            CategoryRule(category="Violence", sub_category="Assault on staff", measure="assaults_on_staff"),
        )
    )
    assert p.measure_for("any", "  violence ", "ASSAULT  on staff") == "assaults_on_staff"
    assert p.measure_for("any", "Violence", "Verbal") == ""  # counts as nothing
    assert p.measure_for("any", "Falls", "Trip") is None  # not mapped
    assert PROFILE.ward_for("iona - DAYROOM") == "W01"


def test_starter_profiles_load_and_count_only_known_measures():
    assert {"datix", "ulysses"} <= set(starter_profiles())
    for name in starter_profiles():
        p = starter_profile(name)
        assert p.measures() and set(p.measures()) <= set(MEASURES)
        assert load_profile(name) == p
    datix = starter_profile("datix")
    assert datix.measure_for("", "Violence, aggression and abuse", "Physical assault to staff by patient") == (
        "assaults_on_staff"
    )
    assert (
        datix.measure_for(
            "", "Violence, aggression and abuse", "Disruptive or aggressive behaviour to staff by patient"
        )
        == ""
    )
    ulysses = starter_profile("ulysses")
    assert ulysses.measure_for("", "Abuse etc of staff by patients", "Physical assault") == "assaults_on_staff"
    assert ulysses.measure_for("", "Abuse etc of staff by patients", "Verbal abuse") == ""
