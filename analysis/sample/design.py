"""The synthetic hospital's design: every parameter with a known true value, and the ward list.

`Design` holds the numbers the generator draws from; `generate(**effects)` overrides any of them by
name. The truths derived from them are written by `analysis.sample.truth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SERVICES = ("admission", "treatment", "rehabilitation", "intellectual disability")
MEASURE_RANGES = {
    "QPR-15": (0.0, 60.0),
    "DUNDRUM-3": (0.0, 28.0),
    "DUNDRUM-4": (0.0, 24.0),
    "HoNOS-Secure": (0.0, 48.0),
}
WARD_NAMES = (
    "Iona",
    "Skye",
    "Tìr nan Òg",
    "Lewis",
    "Harris",
    "Mull",
    "Islay",
    "Jura",
    "Arran",
    "Tiree",
    "Barra",
    "Coll",
)
SURVEY_ASPECTS = (
    "lived_experience",
    "professionals_as_facilitators",
    "shared_power_and_trust",
    "reduced_social_distance",
)


@dataclass(frozen=True)
class Design:
    """Parameters of the synthetic hospital. Co-production is on the 0-100 patient-rated scale."""

    # --- latent co-production, per ward and quarter (constant within a quarter)
    coproduction_by_service: tuple[float, ...] = (38.0, 46.0, 54.0, 44.0)  # order of SERVICES
    coproduction_ward_sd: float = 4.0
    coproduction_drift_per_year: float = 0.8  # hospital-wide, linear from the first quarter
    coproduction_quarter_sd: float = 4.0
    reference_coproduction: float = 50.0  # where base rates and base recovery scores apply
    # --- talking groups
    talking_groups_level_change: float = 6.0  # points of co-production from the start quarter on
    talking_groups_slope_change_per_year: float = 0.0
    talking_groups_direct_log_rr: float = 0.0  # direct (not via co-production) effect on assaults on staff
    talking_groups_share_of_wards: float = 0.75
    talking_groups_window: tuple[float, float] = (0.25, 0.70)  # start quarters within this share of the span
    sessions_per_month: tuple[int, int] = (3, 5)  # uniform whole number
    attendance_per_session: tuple[int, int] = (5, 9)  # binomial between these, mean in the middle
    # --- survey returns
    staff_gap: float = 8.0  # staff perceive this many more points than patients
    aspect_offsets: tuple[float, ...] = (2.0, 3.0, -1.0, -4.0)  # order of SURVEY_ASPECTS; sums to 0
    respondent_sd: float = 6.0  # a respondent's personal offset (points)
    item_sd: float = 5.0  # item-level noise before stochastic rounding (points)
    item_nonresponse: float = 0.03
    patients_per_quarter: tuple[int, int] = (8, 10)
    staff_per_quarter: tuple[int, int] = (12, 15)
    # --- beds and staffing
    beds: tuple[int, int] = (10, 14)
    occupancy: tuple[float, float] = (0.85, 0.98)  # ward mean occupancy, uniform
    occupancy_month_sd: float = 0.02
    # --- assaults on staff (NB2)
    assault_rate_ratio_per_10: float = 0.80  # TRUE within-ward rate ratio per 10-point rise
    assault_rate_by_service: tuple[float, ...] = (5.0, 3.0, 2.0, 3.5)  # per 1,000 OBD at the reference level
    assault_ward_sd: float = 0.25  # log-scale ward random effect
    assault_alpha: float = 0.5  # NB2: variance = mu + alpha mu^2
    seasonal_amplitude: float = 0.10  # log scale: exp(a cos(2 pi (month - 1) / 12)), peak in January
    # --- other incident counts: name -> (rates by service per 1,000 OBD, rate ratio per 10 points, alpha)
    other_counts: dict = field(
        default_factory=lambda: {
            "assaults_on_patients": ((4.0, 2.5, 1.5, 3.0), 0.90, 0.5),
            "self_harm": ((2.0, 2.0, 1.0, 4.0), 1.00, 0.8),
            "restraints": ((14.0, 8.0, 4.0, 10.0), 0.85, 0.4),
            "seclusions": ((5.0, 2.5, 1.0, 3.0), 0.90, 0.6),
            "transfers_to_lower_security": ((0.2, 0.5, 1.5, 0.5), 1.10, 0.0),
        }
    )
    # --- recovery: measure -> (ward mean by service at the reference level, change per 10 points,
    #     ward sd, patient sd); quarterly ward means in the quarter's first month
    recovery: dict = field(
        default_factory=lambda: {
            "QPR-15": ((28.0, 33.0, 40.0, 32.0), 1.5, 2.5, 9.0),
            "DUNDRUM-3": ((20.0, 16.0, 10.0, 17.0), -0.4, 1.5, 4.0),
            "DUNDRUM-4": ((17.0, 14.0, 9.0, 15.0), -0.6, 1.5, 4.0),
            "HoNOS-Secure": ((22.0, 18.0, 12.0, 19.0), 0.0, 2.0, 6.0),
        }
    )
    recovery_response_share: float = 0.8  # patients with a score: binomial(beds, share), at least 3

    def check(self) -> None:
        """Refuse designs the generator cannot honour."""
        if len(self.coproduction_by_service) != len(SERVICES) or len(self.assault_rate_by_service) != len(SERVICES):
            raise ValueError(f"service parameters need one value per service: {SERVICES}")
        if abs(sum(self.aspect_offsets)) > 1e-9 or len(self.aspect_offsets) != 4:
            raise ValueError("aspect_offsets must be four numbers summing to 0")
        if self.assault_rate_ratio_per_10 <= 0:
            raise ValueError("assault_rate_ratio_per_10 must be positive")


def ward_ids(n_wards: int) -> list[str]:
    width = max(2, len(str(n_wards)))
    return [f"W{i + 1:0{width}d}" for i in range(n_wards)]


def ward_names(n_wards: int) -> list[str]:
    if n_wards <= len(WARD_NAMES):
        return list(WARD_NAMES[:n_wards])
    width = len(str(n_wards))
    return [f"{WARD_NAMES[i % len(WARD_NAMES)]} {i + 1:0{width}d}" for i in range(n_wards)]


def ward_services(n_wards: int) -> np.ndarray:
    """Service index per ward: equal blocks in SERVICES order (3 each for 12 wards)."""
    return (np.arange(n_wards) * len(SERVICES)) // max(n_wards, 1)


def seasonal_factor(calendar_month: np.ndarray, amplitude: float) -> np.ndarray:
    return np.exp(amplitude * np.cos(2 * np.pi * (calendar_month - 1) / 12.0))


def nb_draw(rng: np.random.Generator, mu: np.ndarray, alpha: float) -> np.ndarray:
    """NB2 counts with mean mu and variance mu + alpha mu^2 (gamma-Poisson); Poisson when alpha is 0."""
    if alpha <= 0:
        return rng.poisson(mu)
    return rng.poisson(mu * rng.gamma(1.0 / alpha, alpha, size=mu.shape))
