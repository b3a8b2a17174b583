"""Mapping profiles: how one hospital's incident listing becomes ward-month counts.

A profile says which column of the listing is which (reference, date, time, location, type, category,
sub-category, severity, status), which location is which ward, which combination of category labels counts as
which measure (or as nothing), and which statuses do not count. It is a plain dataclass that round-trips through
JSON (``to_json`` / ``from_json``), so the Data page can save it in the store and the command line can read it
from a file. ``FORMAT_VERSION`` is the version of the JSON layout; ``revision`` is the profile's own edit count
(raised by whoever saves an edited profile) and ``fingerprint()`` a hash of its content, recorded with each import.

Labels are matched after ``label_key``: spaces collapsed, ends trimmed, case ignored ("Iona -  Dayroom" is
"iona - dayroom").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

from analysis.data.contract import LISTING_MEASURES

FORMAT = "coproduction-listing-profile"
FORMAT_VERSION = 1
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
# The roles a listing's columns can have, in the order the Data page lists them.
ROLES: dict[str, str] = {
    "reference": "Incident reference",
    "date": "Incident date",
    "time": "Incident time",
    "location": "Location",
    "site": "Unit or site",
    "type": "Incident type",
    "category": "Category",
    "sub_category": "Sub-category",
    "severity": "Severity or harm",
    "status": "Approval status",
}
CATEGORY_ROLES = ("type", "category", "sub_category")  # the fields a category combination is made of
REQUIRED_ROLES = ("date", "location")  # a profile without these cannot count anything
# What a category combination can count as: a ward_months incident column, or nothing ("").
MEASURES: tuple[str, ...] = tuple(LISTING_MEASURES)  # the incident counts and boundary_incidents
NOTHING = ""
ANY = "*"  # in a category rule: any value of that field


class ProfileError(ValueError):
    """A profile that cannot be used; the message says what to change."""


def label_key(value: object) -> str:
    """A label as profiles match it: spaces collapsed, trimmed, case ignored; '' for a blank or missing value."""
    if value is None:
        return ""
    text = str(value)
    if text != text:  # NaN
        return ""
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class CategoryRule:
    """One category combination and what it counts as.

    ``type``, ``category`` and ``sub_category`` are labels as the listing writes them (matched by ``label_key``);
    ``"*"`` matches any value of that field and ``""`` a blank cell. ``measure`` is a ward_months incident column
    (``MEASURES``) or ``""`` for a combination that counts as nothing. Exact rules win over rules with ``"*"``;
    among rules with the same number of ``"*"``, the first listed wins.
    """

    type: str = ANY
    category: str = ANY
    sub_category: str = ANY
    measure: str = NOTHING

    def labels(self) -> tuple[str, str, str]:
        return (self.type, self.category, self.sub_category)


@dataclass(frozen=True)
class MappingProfile:
    """Which column is which, which location is which ward, which categories count as what.

    Attributes
    ----------
    name : str
        The profile's name as people see it ("Datix-style export").
    columns : dict[str, str]
        Role (``ROLES``) -> the listing's column header, as written in the file (matched by ``label_key``).
        Columns not named here are dropped unread.
    locations : dict[str, str]
        Location label -> ward_id (a finer location such as "Iona - dayroom" maps to its ward). Labels that
        equal a ward_id or a ward's name in the wards table map to that ward without being listed.
    categories : tuple[CategoryRule, ...]
        What each combination of the category fields counts as.
    excluded_statuses : tuple[str, ...]
        Status labels whose rows do not count ("Rejected").
    revision : int
        Raised each time an edited profile is saved; recorded with each import that used it.
    """

    name: str = "Untitled profile"
    columns: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)
    categories: tuple[CategoryRule, ...] = ()
    excluded_statuses: tuple[str, ...] = ()
    revision: int = 1

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """The profile as plain JSON-ready data, with the format and its version."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "revision": self.revision,
            "columns": {r: self.columns[r] for r in ROLES if r in self.columns},
            "locations": dict(sorted(self.locations.items(), key=lambda kv: label_key(kv[0]))),
            "categories": [asdict(c) for c in self.categories],
            "excluded_statuses": list(self.excluded_statuses),
        }

    def to_json(self) -> str:
        """The profile as JSON text (stable: the same profile always gives the same text)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> MappingProfile:
        """A profile from `to_dict`'s data; ProfileError says what is wrong with it."""
        if not isinstance(data, dict):
            raise ProfileError("a mapping profile is a JSON object")
        if data.get("format", FORMAT) != FORMAT:
            raise ProfileError(f"this is not a listing mapping profile (its format is {data.get('format')!r})")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ProfileError(
                f"this profile was saved by a newer version of the dashboard (profile format {version}); "
                "update the dashboard to use it"
            )
        columns = data.get("columns") or {}
        unknown = sorted(set(columns) - set(ROLES))
        if unknown:
            raise ProfileError(
                "the profile names columns for roles the dashboard does not know: "
                + ", ".join(unknown)
                + " (known roles: "
                + ", ".join(ROLES)
                + ")"
            )
        rules = []
        for i, c in enumerate(data.get("categories") or [], start=1):
            if not isinstance(c, dict):
                raise ProfileError(f"category rule {i} is not an object")
            extra = sorted(set(c) - {"type", "category", "sub_category", "measure"})
            if extra:
                raise ProfileError(f"category rule {i} has fields the dashboard does not know: {', '.join(extra)}")
            rules.append(CategoryRule(**{k: "" if v is None else str(v) for k, v in c.items()}))
        profile = cls(
            name=str(data.get("name") or "Untitled profile"),
            columns={str(k): str(v) for k, v in columns.items() if v not in (None, "")},
            locations={str(k): str(v) for k, v in (data.get("locations") or {}).items() if v not in (None, "")},
            categories=tuple(rules),
            excluded_statuses=tuple(str(s) for s in data.get("excluded_statuses") or ()),
            revision=int(data.get("revision") or 1),
        )
        profile.check()
        return profile

    @classmethod
    def from_json(cls, text: str) -> MappingProfile:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProfileError(f"the profile is not valid JSON (line {e.lineno}: {e.msg})") from e
        return cls.from_dict(data)

    def fingerprint(self) -> str:
        """A short hash of what the profile maps (name and revision aside): equal profiles, equal fingerprints."""
        body = self.to_dict()
        for k in ("name", "revision"):
            body.pop(k)
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()[:12]

    # ------------------------------------------------------------------ checks and edits
    def check(self) -> None:
        """ProfileError when a measure is unknown or a required role has no column."""
        bad = sorted({c.measure for c in self.categories if c.measure not in (*MEASURES, NOTHING)})
        if bad:
            raise ProfileError(
                "the profile counts categories as measures the dashboard does not know: "
                + ", ".join(bad)
                + " (known: "
                + ", ".join(MEASURES)
                + ", or blank for nothing)"
            )

    def missing_roles(self) -> list[str]:
        """Required roles (date, location) with no column yet."""
        return [r for r in REQUIRED_ROLES if not self.columns.get(r)]

    def measures(self) -> list[str]:
        """The measures some category rule counts, in the contract's order."""
        used = {c.measure for c in self.categories}
        return [m for m in MEASURES if m in used]

    def with_locations(self, mapping: dict[str, str]) -> MappingProfile:
        """A copy with these location labels mapped (a blank ward removes a label's mapping)."""
        locations = dict(self.locations)
        for label, ward in mapping.items():
            for k in [k for k in locations if label_key(k) == label_key(label)]:
                del locations[k]
            if ward:
                locations[label] = ward
        return replace(self, locations=locations)

    def with_categories(self, rules: list[CategoryRule]) -> MappingProfile:
        """A copy with these rules first (replacing any rule for the same labels)."""
        keys = {tuple(map(label_key, r.labels())) for r in rules}
        kept = [r for r in self.categories if tuple(map(label_key, r.labels())) not in keys]
        return replace(self, categories=tuple(rules) + tuple(kept))

    def measure_for(self, type_: object, category: object, sub_category: object) -> str | None:
        """What a combination counts as: a measure, "" for nothing, None when no rule matches (unmapped)."""
        values = tuple(label_key(v) for v in (type_, category, sub_category))
        best: tuple[int, int] | None = None
        found = None
        for i, rule in enumerate(self.categories):
            wild = 0
            for want, have in zip(rule.labels(), values):
                if want == ANY:
                    wild += 1
                elif label_key(want) != have:
                    break
            else:
                if best is None or (wild, i) < best:
                    best, found = (wild, i), rule.measure
        return found

    @cached_property
    def _wards_by_key(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for label, ward in self.locations.items():
            found.setdefault(label_key(label), ward)
        return found

    def ward_for(self, location: object) -> str | None:
        """The ward_id a location label maps to in this profile, or None."""
        return self._wards_by_key.get(label_key(location))


def load_profile(source: str | Path) -> MappingProfile:
    """A profile from a JSON file, or a starter profile by name ("datix", "ulysses")."""
    if isinstance(source, str) and source in starter_profiles():
        return starter_profile(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ProfileError(f"cannot read the profile {path}: {e.strerror or e}") from e
    return MappingProfile.from_json(text)


def save_profile(profile: MappingProfile, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(profile.to_json(), encoding="utf-8")
    return path


def starter_profiles() -> list[str]:
    """Names of the starter profiles shipped in analysis/data/importers/profiles/ ("datix", "ulysses", ...)."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.json"))


def starter_profile(name: str) -> MappingProfile:
    """A shipped starter profile by name; its locations are empty unless it is the sample hospital's."""
    path = PROFILES_DIR / f"{name}.json"
    if not path.is_file():
        raise ProfileError(f"there is no starter profile {name!r} (there are: {', '.join(starter_profiles())})")
    return MappingProfile.from_json(path.read_text(encoding="utf-8"))
